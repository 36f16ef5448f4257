"""A grade-1 teacher's week as teachers write it in Word: the lịch báo giảng (30
periods, Monday to Friday, four in the morning and two in the afternoon) followed by
the week's 20 kế hoạch bài dạy, each with the three parts of Công văn 2345 Phụ lục 3.
Written with python-docx, the library Word files of this shape come from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

# (subject, periods a week, lesson titles in order) for grade 1, CT GDPT 2018, with
# the afternoon's extra Tiếng Việt and Toán periods of a two-session school.
GRADE_1_WEEK = [
    (
        "Tiếng Việt",
        13,
        [
            "Bài 61: ong, ông",
            "Bài 62: ung, ưng",
            "Bài 63: iêng, yêng, uông, ương",
            "Bài 64: Ôn tập",
            "Bài 65: ac, ăc, âc",
            "Kể chuyện: Chú bé chăn cừu",
        ],
    ),
    ("Toán", 5, ["Phép cộng trong phạm vi 10", "Phép trừ trong phạm vi 10", "Luyện tập chung"]),
    ("Đạo đức", 1, ["Sinh hoạt nền nếp"]),
    ("Tự nhiên và Xã hội", 2, ["Lớp học của em", "An toàn khi ở trường"]),
    ("Hoạt động trải nghiệm", 3, ["Sinh hoạt dưới cờ", "Em yêu trường em", "Sinh hoạt lớp"]),
    ("Giáo dục thể chất", 2, ["Tư thế đứng nghiêm, đứng nghỉ", "Trò chơi vận động"]),
    ("Âm nhạc", 1, ["Hát: Tìm bạn thân"]),
    ("Mĩ thuật", 1, ["Màu sắc quanh em"]),
    ("Tiếng Anh", 2, ["Unit 4: In the classroom"]),
]
WEEKDAYS = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu"]


def _periods() -> list[tuple[str, str]]:
    """(subject, lesson) for each of the 30 periods, subject by subject, lessons spread
    over the subject's periods."""
    periods: list[tuple[str, str]] = []
    for subject, count, lessons in GRADE_1_WEEK:
        for index in range(count):
            periods.append((subject, lessons[index * len(lessons) // count]))
    return periods


def lessons_of_week() -> list[tuple[str, str]]:
    return [(subject, lesson) for subject, _count, lessons in GRADE_1_WEEK for lesson in lessons]


def write_week_docx(path: Path, *, week: int, monday: dt.date, class_name: str, teacher: str):
    from docx import Document
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    document.add_paragraph("TRƯỜNG TIỂU HỌC HÒA NGHĨA")
    document.add_heading(f"LỊCH BÁO GIẢNG – TUẦN {week}", level=1)
    sunday = monday + dt.timedelta(days=4)
    document.add_paragraph(
        f"Lớp {class_name} – Giáo viên: {teacher} – "
        f"Từ ngày {monday:%d/%m/%Y} đến ngày {sunday:%d/%m/%Y}"
    )
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["Thứ, ngày", "Buổi", "Tiết", "Môn", "Tên bài dạy", "Đồ dùng"],
        strict=True,
    ):
        cell.text = text
    for index, (subject, lesson) in enumerate(_periods()):
        day, slot = divmod(index, 6)
        row = table.add_row().cells
        date = monday + dt.timedelta(days=day)
        row[0].text = f"{WEEKDAYS[day]} {date:%d/%m}" if slot == 0 else ""
        row[1].text = "Sáng" if slot < 4 else "Chiều"
        row[2].text = str(slot % 4 + 1)
        row[3].text = subject
        row[4].text = lesson
        row[5].text = "Tranh ảnh, bảng phụ"
    for number, (subject, lesson) in enumerate(lessons_of_week(), start=1):
        document.add_page_break()
        document.add_heading(f"KẾ HOẠCH BÀI DẠY {number} – {subject.upper()}", level=1)
        document.add_paragraph(f"{lesson} (tuần {week}, lớp {class_name})")
        document.add_heading("I. Yêu cầu cần đạt", level=2)
        document.add_paragraph(
            "Học sinh nắm được nội dung bài học, vận dụng vào thực tế; phát triển phẩm chất "
            "chăm chỉ, trách nhiệm và năng lực tự chủ, giao tiếp và hợp tác."
        )
        document.add_heading("II. Đồ dùng dạy học", level=2)
        document.add_paragraph("Giáo viên: tranh minh hoạ, bảng phụ. Học sinh: sách giáo khoa, vở.")
        document.add_heading("III. Các hoạt động dạy học chủ yếu", level=2)
        steps = document.add_table(rows=1, cols=3)
        steps.style = "Table Grid"
        for cell, text in zip(
            steps.rows[0].cells,
            ["Thời gian", "Hoạt động của giáo viên", "Hoạt động của học sinh"],
            strict=True,
        ):
            cell.text = text
        for minutes, teacher_does, pupils_do in [
            ("5 phút", "Khởi động: tổ chức trò chơi “Ai nhanh hơn”.", "Tham gia trò chơi."),
            ("20 phút", "Khám phá: hướng dẫn, làm mẫu.", "Quan sát, thực hành theo nhóm đôi."),
            ("8 phút", "Luyện tập: giao bài tập.", "Làm bài, chia sẻ trước lớp."),
            ("2 phút", "Vận dụng: nhận xét, dặn dò.", "Lắng nghe, ghi nhớ."),
        ]:
            cells = steps.add_row().cells
            cells[0].text, cells[1].text, cells[2].text = minutes, teacher_does, pupils_do
    document.save(str(path))
    return path
