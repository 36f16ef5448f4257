"""Every record type renders to its paper form as PDF/A, footed on every page."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from archive.rendering import Footer, render_record

pytestmark = pytest.mark.django_db

A4 = (595, 842)
A3 = (1191, 842)


def _render(page, state) -> bytes:
    footer = Footer(
        record_id=page.pk,
        version=state.version,
        content_sha256=state.approved_hash,
        verification_code="TESTCODE123",
    )
    frozen = state.approved_revision.as_object()
    return render_record(frozen, footer=footer, issued_on=dt.date(2025, 5, 20))


def _pdftotext(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def _pages(path: Path, tmp_path: Path) -> list[tuple[int, int]]:
    """Render every page to PNG at 18 dpi and read the sizes back (points = px * 4)."""
    prefix = tmp_path / path.stem
    subprocess.run(["pdftoppm", "-r", "18", "-png", str(path), str(prefix)], check=True)
    from PIL import Image

    sizes = []
    for png in sorted(tmp_path.glob(f"{path.stem}-*.png")):
        with Image.open(png) as image:
            sizes.append((round(image.width * 4), round(image.height * 4)))
    return sizes


def _close(size: tuple[int, int], expected: tuple[int, int]) -> bool:
    return abs(size[0] - expected[0]) <= 8 and abs(size[1] - expected[1]) <= 8


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (pdftoppm) not installed")
@pytest.mark.parametrize(
    ("record_type", "size", "min_pages", "texts"),
    [
        (
            "student_record",
            A4,
            2,
            ["Nguyễn Thị Ngọc Ánh", "Hoàn thành tốt", "QUÁ TRÌNH HỌC TẬP", "Năng lực đặc thù"],
        ),
        ("class_summary", (A4[1], A4[0]), 1, ["Nguyễn Thị Ngọc Ánh", "Hoàn thành tốt"]),
        (
            "lesson_plan",
            A4,
            2,
            ["LỊCH BÁO GIẢNG", "KẾ HOẠCH BÀI DẠY", "Hoạt động của học sinh", "Hoàn thành tốt"],
        ),
        ("enrollment_register", A3, 1, ["Nguyễn Thị Ngọc Ánh", "SỔ ĐĂNG BỘ", "Khóa 2024-2029"]),
        ("school_plan", A4, 1, ["KẾ HOẠCH GIÁO DỤC NHÀ TRƯỜNG", "Nơi nhận"]),
        ("group_plan", A4, 1, ["Các số từ 0 đến 10"]),
        ("other", A4, 1, ["Dự giờ lớp 1A"]),
    ],
)
def test_record_prints_in_its_paper_form(
    school_data, tmp_path, record_type, size, min_pages, texts
):
    page = school_data.records[record_type]
    state = school_data.states[record_type]
    path = tmp_path / f"{record_type}.pdf"
    path.write_bytes(_render(page, state))

    sizes = _pages(path, tmp_path)
    assert len(sizes) >= min_pages
    assert all(_close(s, size) for s in sizes), sizes
    text = _pdftotext(path)
    for expected in texts:
        assert expected in text
    # The header is data-driven and never a placeholder.
    if record_type not in ("student_record",):
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "UBND QUẬN DƯƠNG KINH" in text
        assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "…" not in text and "..." not in text
    # Every page carries the evidence footer.
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == len(sizes)
    for page_text in pages:
        assert f"Mã hồ sơ: {page.pk}" in page_text
        assert state.approved_hash in page_text.replace("\n", "").replace(" ", "")
        assert "Điều 12 Luật Giao dịch điện tử 2023" in page_text


def test_school_plan_header_has_number_and_dated_place_line(school_data, tmp_path):
    page = school_data.records["school_plan"]
    path = tmp_path / "plan.pdf"
    path.write_bytes(_render(page, school_data.states["school_plan"]))
    text = _pdftotext(path)
    assert f"Số: {page.pk}/KH-THHN" in text
    assert "Dương Kinh, ngày 20 tháng 05 năm 2025" in text


@pytest.mark.skipif(not shutil.which("pdfimages"), reason="poppler-utils (pdfimages) not installed")
def test_the_footer_qr_code_encodes_the_verification_url(school_data, tmp_path):
    """The QR is a 1-bit PNG, one pixel per module: the image in the PDF must be
    exactly the QR matrix of the record's verification URL."""
    import qrcode
    from PIL import Image

    page = school_data.records["student_record"]
    state = school_data.states["student_record"]
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(_render(page, state))
    subprocess.run(["pdfimages", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "img")])
    (image_path,) = sorted(tmp_path.glob("img-*.png"))
    url = Footer(page.pk, state.version, state.approved_hash, "TESTCODE123").verify_url
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    with Image.open(image_path) as image:
        pixels = image.convert("L")
        assert pixels.size == (len(matrix), len(matrix))
        dark = [
            [pixels.getpixel((x, y)) < 128 for x in range(pixels.width)]
            for y in range(pixels.height)
        ]
    assert dark == matrix
    assert url.endswith("/xac-thuc/TESTCODE123/")
