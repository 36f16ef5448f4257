"""Text for the demo records: believable, in the shape of real school documents."""

from __future__ import annotations

LEGAL_BASIS = (
    "<p>Căn cứ Thông tư số 28/2020/TT-BGDĐT ngày 04/9/2020 của Bộ Giáo dục và Đào tạo "
    "ban hành Điều lệ trường tiểu học;</p>"
    "<p>Căn cứ Thông tư số 27/2020/TT-BGDĐT ngày 04/9/2020 của Bộ Giáo dục và Đào tạo "
    "ban hành Quy định đánh giá học sinh tiểu học;</p>"
    "<p>Căn cứ Công văn số 2345/BGDĐT-GDTH ngày 07/6/2021 của Bộ Giáo dục và Đào tạo "
    "về việc hướng dẫn xây dựng kế hoạch giáo dục của nhà trường cấp tiểu học;</p>"
    "<p>Căn cứ Quy chế quản lý, vận hành và sử dụng hồ sơ chuyên môn điện tử trong các "
    "trường tiểu học của {authority};</p>"
    "<p>{school} xây dựng Kế hoạch giáo dục năm học {year} như sau:</p>"
)

CONDITIONS = (
    "<p><b>1. Đặc điểm tình hình học sinh:</b> Năm học {year} nhà trường có {classes} lớp "
    "với {pupils} học sinh; 100% học sinh học 2 buổi/ngày.</p>"
    "<p><b>2. Đội ngũ:</b> Tổng số cán bộ, giáo viên, nhân viên: {staff} người; 100% giáo "
    "viên đạt chuẩn trình độ đào tạo.</p>"
    "<p><b>3. Cơ sở vật chất:</b> Đủ phòng học cho {classes} lớp, có phòng tin học, phòng "
    "âm nhạc, phòng mĩ thuật, thư viện đạt chuẩn.</p>"
)

OBJECTIVES = (
    "<p>Nâng cao chất lượng giáo dục toàn diện, hình thành và phát triển phẩm chất, năng lực "
    "cho học sinh theo Chương trình giáo dục phổ thông 2018. Phấn đấu 100% học sinh hoàn "
    "thành chương trình lớp học; 100% học sinh lớp 5 hoàn thành chương trình tiểu học.</p>"
)

ORGANISATION = (
    "<p>Thực hiện dạy học 2 buổi/ngày, 35 tuần/năm học; học kì I gồm 18 tuần, học kì II gồm "
    "17 tuần. Tổ chức các môn học và hoạt động giáo dục theo Phụ lục 1.1 kèm theo.</p>"
)

SOLUTIONS = (
    "<ul><li>Đổi mới phương pháp dạy học, kiểm tra, đánh giá theo Thông tư 27/2020.</li>"
    "<li>Tăng cường sinh hoạt chuyên môn theo nghiên cứu bài học.</li>"
    "<li>Ứng dụng công nghệ thông tin, sử dụng hồ sơ chuyên môn điện tử.</li></ul>"
)

IMPLEMENTATION = (
    "<p><b>Hiệu trưởng:</b> chỉ đạo chung, phê duyệt kế hoạch. <b>Phó hiệu trưởng:</b> "
    "triển khai, kiểm tra việc thực hiện kế hoạch dạy học. <b>Tổ chuyên môn:</b> xây dựng kế "
    "hoạch dạy học các môn học và hoạt động giáo dục của tổ.</p>"
)

LESSON_TITLES = {
    "toan": [
        "Các số 0, 1, 2, 3, 4, 5",
        "Các số 6, 7, 8, 9, 10",
        "Nhiều hơn, ít hơn, bằng nhau",
        "So sánh số",
        "Mấy và mấy",
        "Luyện tập chung",
        "Phép cộng trong phạm vi 10",
        "Phép trừ trong phạm vi 10",
        "Hình vuông, hình tròn, hình tam giác, hình chữ nhật",
        "Ôn tập các số trong phạm vi 100",
        "Phép nhân",
        "Bảng nhân 2",
        "Phân số",
    ],
    "tieng_viet": [
        "Đọc: Tôi là học sinh lớp {grade}",
        "Viết: Chữ hoa A",
        "Nói và nghe: Kể chuyện",
        "Đọc: Ngày hôm qua đâu rồi?",
        "Luyện từ và câu: Từ chỉ sự vật",
        "Đọc: Niềm vui của Bi và Bống",
        "Viết: Nghe – viết",
        "Đọc: Làm việc thật là vui",
        "Luyện tập: Mở rộng vốn từ về trường học",
        "Đọc: Cô giáo lớp em",
    ],
    "dao_duc": [
        "Em giữ vệ sinh lớp học",
        "Em yêu quý gia đình",
        "Lễ phép, vâng lời thầy cô",
        "Em tự chăm sóc bản thân",
        "Em chăm chỉ học tập",
        "Em giữ lời hứa",
    ],
}

# The group plan's "Chủ đề / Mạch nội dung", three weeks each.
TOPICS = {
    "toan": [
        "Các số từ 0 đến 10",
        "Làm quen với một số hình phẳng",
        "Phép cộng, phép trừ trong phạm vi 10",
        "Ôn tập và luyện tập chung",
    ],
    "tieng_viet": [
        "Làm quen với trường lớp",
        "Em và gia đình",
        "Em yêu thiên nhiên",
        "Mái trường mến yêu",
    ],
}

OBJECTIVES_LESSON = (
    "<ul><li>Học sinh nắm được nội dung chính của bài {title}.</li>"
    "<li>Phát triển năng lực tự chủ và tự học, giao tiếp và hợp tác.</li>"
    "<li>Bồi dưỡng phẩm chất chăm chỉ, trách nhiệm.</li></ul>"
)

SUBJECT_COMMENTS = {
    "T": ["Nắm vững kiến thức, vận dụng tốt.", "Tiếp thu nhanh, làm bài cẩn thận."],
    "H": ["Hoàn thành các yêu cầu của bài học.", "Cần rèn thêm kĩ năng trình bày."],
    "C": ["Cần cố gắng nhiều hơn.", "Chưa nắm vững kiến thức cơ bản."],
}

# The four steps of a lesson (Công văn 2345, Phụ lục 3): (stage, minutes, what the teacher
# does, what the pupils do). "{title}" is the lesson's name.
LESSON_ACTIVITIES = (
    (
        "khoi_dong",
        5,
        "GV tổ chức trò chơi “Ai nhanh hơn” để ôn lại kiến thức đã học, giới thiệu bài {title}.",
        "HS tham gia trò chơi theo tổ, nhắc lại tên bài.",
    ),
    (
        "kham_pha",
        15,
        "GV nêu tình huống trong sách giáo khoa, đặt câu hỏi gợi mở, hướng dẫn HS quan "
        "sát tranh và rút ra nội dung chính của bài.",
        "HS quan sát tranh, thảo luận nhóm đôi, trả lời câu hỏi; một số HS trình bày trước lớp.",
    ),
    (
        "luyen_tap",
        10,
        "GV giao bài tập trong vở bài tập, theo dõi, giúp đỡ HS còn lúng túng, chữa bài "
        "trên bảng phụ.",
        "HS làm bài cá nhân, đổi vở kiểm tra chéo, nhận xét bài của bạn.",
    ),
    (
        "van_dung",
        5,
        "GV nêu câu hỏi liên hệ thực tế, nhận xét tiết học, dặn dò chuẩn bị bài sau.",
        "HS liên hệ bản thân, chia sẻ với cả lớp, ghi nhớ nhiệm vụ về nhà.",
    ),
)

LESSON_MATERIALS = {
    "toan": "Sách giáo khoa Toán, bảng phụ, bộ đồ dùng học toán.",
    "tieng_viet": "Sách giáo khoa Tiếng Việt, tranh minh họa, bảng phụ, thẻ chữ.",
}

# The school's other records: (heading, body) of each section, by slug.
OTHER_RECORD_SECTIONS = {
    "so-theo-doi-chat-luong": [
        (
            "Mục đích, yêu cầu",
            "<p>Theo dõi kết quả học tập, rèn luyện của học sinh từng lớp sau mỗi giai đoạn "
            "để kịp thời điều chỉnh biện pháp dạy học, giúp đỡ học sinh còn hạn chế.</p>",
        ),
        (
            "Kết quả giữa học kì I",
            "<p>Tỉ lệ học sinh hoàn thành tốt môn Tiếng Việt và Toán đạt trên 60%; không có "
            "học sinh chưa hoàn thành ở khối 1 sau 10 tuần học.</p>",
        ),
        (
            "Biện pháp tiếp theo",
            "<p>Tổ chức phụ đạo học sinh đọc chậm vào chiều thứ Tư hằng tuần; giáo viên chủ "
            "nhiệm trao đổi với cha mẹ học sinh qua sổ liên lạc điện tử.</p>",
        ),
    ],
    "ke-hoach-boi-duong": [
        (
            "Mục đích, yêu cầu",
            "<p>Nâng cao năng lực chuyên môn, nghiệp vụ cho giáo viên theo Thông tư "
            "17/2019/TT-BGDĐT; mỗi giáo viên hoàn thành 120 tiết bồi dưỡng trong năm học.</p>",
        ),
        (
            "Nội dung bồi dưỡng",
            "<p>Khối kiến thức bắt buộc theo chỉ đạo của Sở và Phòng Giáo dục và Đào tạo; "
            "mô đun tự chọn về dạy học phát triển phẩm chất, năng lực học sinh tiểu học.</p>",
        ),
        (
            "Tổ chức thực hiện",
            "<p>Giáo viên tự học trên hệ thống bồi dưỡng trực tuyến, sinh hoạt tổ chuyên môn "
            "hai tuần một lần; nhà trường tổng hợp kết quả vào tháng 5.</p>",
        ),
    ],
}
