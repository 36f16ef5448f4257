"""Each paper form, rendered, carries the labels of the official form (FORMS.md;
Thông tư 27/2020 for the học bạ, the class summary and the register; Công văn 2345
for the plans): read back from the PDF's text, not from the template.

With HOSO_FORMS_DIR set (`make forms`), the first page of each form is also written
there as a PNG, so a reviewer compares it with the official form at a glance
(docs/forms/)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from archive.rendering import Footer, render_record
from recordpages.models import AuthorityKind, AuthorityTerm
from tests.archive.form_pictures import keep_first_page

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")), reason="poppler-utils missing"
)

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
DISTRICT_OFFICE = "PHÒNG GD&ĐT QUẬN DƯƠNG KINH"
# Where the authority of the record's year stands: the header's first line, or on the
# học bạ's cover the school's commune, district and province.
AUTHORITY = {"student_record": ("Phường Hòa Nghĩa", "Quận Dương Kinh", "Thành phố Hải Phòng")}

# The labels each form prints, as the official form words them.
LABELS: dict[str, tuple[str, ...]] = {
    "student_record": (
        *MOTTO,
        "HỌC BẠ",
        "Họ và tên học sinh",
        "Giới tính",
        "Ngày sinh",
        "Dân tộc",
        "Quốc tịch",
        "Nơi sinh",
        "Quê quán",
        "Nơi ở hiện nay",
        "Họ và tên cha",
        "Họ và tên mẹ",
        "QUÁ TRÌNH HỌC TẬP",
        "Năm học",
        "Tên trường",
        "Số đăng bộ",
        "Ngày nhập học",
        "Chiều cao",
        "Cân nặng",
        "Số ngày nghỉ",
        "Các môn học và hoạt động giáo dục",
        "Mức đạt được",
        "Điểm KTĐK",
        "Nhận xét",
        "Những phẩm chất chủ yếu",
        "Những năng lực cốt lõi",
        "Năng lực chung",
        "Năng lực đặc thù",
        "Đánh giá kết quả giáo dục",
        "Khen thưởng",
        "Hoàn thành chương trình lớp học",
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
    ),
    "class_summary": (
        *MOTTO,
        "Bảng tổng hợp kết quả đánh giá giáo dục",
        "STT",
        "Họ và tên",
        "Tiếng Việt",
        "Toán",
        "Đạo đức",
        "Yêu nước",
        "Nhân ái",
        "Chăm chỉ",
        "Trung thực",
        "Trách nhiệm",
        "Tự chủ và tự học",
        "Giao tiếp và hợp tác",
        "Giải quyết vấn đề và sáng tạo",
        "Khen thưởng",
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
    ),
    "enrollment_register": (
        *MOTTO,
        "Sổ đăng bộ",
        "Số đăng bộ",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Nơi sinh",
        "Quá trình học tập",
        "Hoàn thành chương trình tiểu học",
        "Hiệu trưởng",
    ),
    "lesson_plan": (
        *MOTTO,
        "Số:",
        "Lịch báo giảng",
        "Thứ",
        "Buổi",
        "Tiết PPCT",
        "Tên bài dạy",
        "Đồ dùng",
        "Kế hoạch bài dạy",
        "Môn học",
        "Tên bài học",
        "Thời gian xây dựng kế hoạch",
        "Thời gian thực hiện",
        "I. Yêu cầu cần đạt",
        "II. Đồ dùng dạy học",
        "III. Các hoạt động dạy học chủ yếu",
        "Hoạt động của giáo viên",
        "Hoạt động của học sinh",
    ),
    "group_plan": (
        *MOTTO,
        "Số:",
        "Kế hoạch dạy học môn",
        "Tuần, tháng",
        "Chủ đề / Mạch nội dung",
        "Tên bài học",
        "Tiết học / thời lượng",
        "Nội dung điều chỉnh, bổ sung (nếu có)",
        "Ghi chú",
    ),
    "school_plan": (
        *MOTTO,
        "Số:",
        "Kế hoạch giáo dục nhà trường",
        "I. CĂN CỨ XÂY DỰNG KẾ HOẠCH",
        "II. ĐIỀU KIỆN THỰC HIỆN",
        "III. MỤC TIÊU GIÁO DỤC",
        "IV. TỔ CHỨC CÁC MÔN HỌC VÀ HOẠT ĐỘNG GIÁO DỤC",
        "V. GIẢI PHÁP THỰC HIỆN",
        "VI. TỔ CHỨC THỰC HIỆN",
        "Nơi nhận:",
    ),
    "other": (*MOTTO, "Số:"),
}


def _plain(text: str) -> str:
    """One line, single spaces, NFC, case folded: a label wrapped in a narrow cell or
    set in capitals by the stylesheet still reads as the label."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def _text(pdf: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True
    )
    return _plain(result.stdout)


@pytest.fixture
def school_data(db, school_data):
    """The fixture school of 2024-2025 with the authority of that year (before the
    1 July 2025 reform): its place prints on the học bạ's cover, its name heads the rest."""
    AuthorityTerm.objects.create(
        school=school_data.school,
        starts=school_data.year,
        kind=AuthorityKind.DISTRICT_OFFICE,
        issuing_body=DISTRICT_OFFICE,
        authority_name="Phòng Giáo dục và Đào tạo quận Dương Kinh",
        commune="Phường Hòa Nghĩa",
        district="Quận Dương Kinh",
        province="Thành phố Hải Phòng",
    )
    return school_data


def _rendered(school_data, record_type: str) -> bytes:
    page = school_data.records[record_type]
    state = school_data.states[record_type]
    footer = Footer(page.pk, state.version, state.approved_hash, f"MAU{page.pk}")
    return render_record(
        state.approved_revision.as_object(), footer=footer, issued_on=dt.date(2025, 5, 20)
    )


def test_every_record_type_with_a_form_is_listed(school_data):
    """A new record type in the fixture gets its labels here (or the test says so)."""
    assert set(school_data.records) == set(LABELS)


@pytest.mark.parametrize("record_type", sorted(LABELS))
def test_each_form_prints_the_labels_of_the_official_form(school_data, record_type, tmp_path):
    pdf = _rendered(school_data, record_type)
    text = _text(pdf, tmp_path, record_type)
    expected = (*LABELS[record_type], *AUTHORITY.get(record_type, (DISTRICT_OFFICE,)))
    missing = [label for label in expected if _plain(label) not in text]
    assert not missing, f"{record_type}: {missing}"
    assert "none" not in text.split(), record_type  # no Python None printed anywhere
    keep_first_page(pdf, record_type, tmp_path)
