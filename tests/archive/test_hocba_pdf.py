"""The signed học bạ as the book it is (issue 16): a grade-5 pupil's five school years
under the national motto, its signatures in the homeroom teacher's and the principal's
blocks, and its data file embedded as a PDF/A-3a associated file."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from archive import signing
from archive.forms.hocba import book_for, data_file_name
from archive.rendering import PDFA3_PART, Footer, declared_pdfa, render_record_with_boxes
from recordpages.hocba.xml import to_xml
from recordpages.models import StudentRecordPage
from tests.archive.conftest import _photo
from tests.archive.hocba_world import CURRENT, PRINCIPAL, TEACHER, build_hocba_world
from tests.archive.test_pdfa import _headings_skip_no_level, _structure, verapdf

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed"),
]

YEARS = ["2022-2023", "2023-2024", "2024-2025", "2025-2026", CURRENT]
ISSUED_ON = dt.date(2027, 5, 20)
BLOCKS = [(s.pdf_field, str(s.label)) for s in StudentRecordPage.rules.signature_steps]


@pytest.fixture
def world():
    return build_hocba_world()


def _render(world) -> tuple[bytes, list[signing.SignatureBox]]:
    footer = Footer(world.page.pk, world.state.version, world.state.approved_hash, "HOCBA")
    frozen = world.state.approved_revision.as_object()
    return render_record_with_boxes(frozen, footer=footer, issued_on=ISSUED_ON, blocks=BLOCKS)


def _signed(world, pdf: bytes, boxes) -> bytes:
    """Each block signed in turn, as the chain does (here with the school's key)."""
    pdf = signing.add_signature_fields(pdf, boxes)
    with signing._school_signer(world.school) as signer:
        for field, label in BLOCKS:
            appearance = signing.Appearance(signer_name=label, role=label, reason="Ký học bạ")
            pdf = signing.sign_field(
                pdf, field=field, signer=signer, appearance=appearance, certify=False
            ).pdf
    return pdf


def _pages(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return text.stdout.split("\f")


def _words_in(pdf: bytes, tmp_path: Path, box: signing.SignatureBox) -> list[str]:
    """The words pdftotext finds inside a box (PDF points from the bottom-left)."""
    path = tmp_path / "words.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(box.page + 1), "-l", str(box.page + 1), str(path), "-"],
        capture_output=True,
        text=True,
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html).group(1))
    x1, y1, x2, y2 = box.box
    found = []
    for m in re.finditer(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html
    ):
        wx1, wy1, wx2, wy2 = map(float, m.groups()[:4])
        if wx1 >= x1 and wx2 <= x2 and height - wy2 >= y1 and height - wy1 <= y2:
            found.append(m.group(5))
    return found


def test_the_book_has_the_motto_the_cover_and_five_years_in_order(world, tmp_path):
    pdf, _boxes = _render(world)
    pages = _pages(pdf, tmp_path)
    cover = pages[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cover and "Độc lập - Tự do - Hạnh phúc" in cover
    assert "TIỂU HỌC" in cover and "Phường Dương Kinh" in cover and "Thành phố Hải Phòng" in cover
    assert "Nguyễn Thị Ngọc Ánh" in cover
    assert "Huyện (Quận" not in cover  # no district level since 1 July 2025
    # Duplex: the cover's back is blank, the pupil's page and each year start on the right.
    assert "Họ và tên" not in pages[1]
    starts = [i for i, text in enumerate(pages) for y in YEARS if f"NĂM HỌC {y}" in text]
    assert len(starts) == 5 and starts == sorted(starts), starts
    assert all(i % 2 == 0 for i in starts), starts  # page i+1 is odd: a right-hand page
    history = next(text for text in pages if "QUÁ TRÌNH HỌC TẬP" in text)
    rows = [line for line in history.splitlines() if re.match(r"\s*\d{4}-\d{4}\s", line)]
    assert [row.split()[0] for row in rows] == YEARS
    _catalog, elements = _structure(pdf)
    assert _headings_skip_no_level(elements)


def test_each_signature_lands_in_its_block_and_no_name_is_printed_there(world, tmp_path):
    pdf, boxes = _render(world)
    by_field = {box.field: box for box in boxes}
    teacher, principal, seal = (by_field[field] for field, _label in BLOCKS)
    # The teacher's block left, the principal's right with the seal under it, all on the
    # current year's last page.
    assert teacher.page == principal.page == seal.page
    assert teacher.box[2] < principal.box[0]
    assert abs(principal.box[0] - seal.box[0]) < 1 and seal.box[3] < principal.box[1]
    for box in boxes:
        assert _words_in(pdf, tmp_path, box) == [], box.field
    current = _pages(pdf, tmp_path)[teacher.page]
    assert TEACHER not in current and PRINCIPAL not in current

    signed = _signed(world, pdf, boxes)
    with pikepdf.open(io.BytesIO(signed)) as document:
        widgets = {
            str(annot.T): (index, [float(v) for v in annot.Rect])
            for index, page in enumerate(document.pages)
            for annot in page.obj.get("/Annots", [])
            if annot.get("/FT") == pikepdf.Name.Sig
        }
    for box in boxes:
        page, rect = widgets[box.field]
        assert page == box.page
        assert all(abs(a - b) < 1 for a, b in zip(rect, box.box, strict=True)), box.field


def test_the_data_file_is_embedded_as_a_pdfa_3a_associated_file(world, tmp_path):
    pdf, boxes = _render(world)
    signed = _signed(world, pdf, boxes)
    book = book_for(world.state.approved_revision.as_object())
    for label, data in (("rendered", pdf), ("signed", signed)):
        assert declared_pdfa(data) == PDFA3_PART, label
        with pikepdf.open(io.BytesIO(data)) as document:
            catalog = document.Root
            (spec,) = list(catalog.AF)
            assert spec.AFRelationship == pikepdf.Name.Data, label
            assert (
                str(spec.UF)
                == data_file_name(book)
                == f"hoc-ba-{book.pupil.ministry_id}-{CURRENT}.xml"
            )
            names = catalog.Names.EmbeddedFiles.Names
            assert str(names[0]) == str(spec.UF) and names[1].objgen == spec.objgen
            stream = spec.EF.F
            assert stream.Subtype == pikepdf.Name("/application/xml"), label
            assert "/ModDate" in stream.Params and "/CheckSum" in stream.Params
            embedded = stream.read_bytes()
        # The PDF and its data file say the same: the XML is the book's, five years.
        assert embedded == to_xml(book), label
        assert embedded.count(b"<NamHoc>") >= 5 or all(y.encode() in embedded for y in YEARS)


def test_the_pupils_grade_1_photo_is_printed_with_the_pupils_name_as_alt_text(world):
    world.pupil.photo = _photo("hs-hoc-ba")
    world.pupil.save()
    _catalog, elements = _structure(_render(world)[0])
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    assert f"Ảnh học sinh {world.pupil.full_name}" in alts, alts


def test_the_xmp_metadata_names_the_data_file_with_its_extension_schema(world):
    """As Factur-X's fx: schema does: a reader of the metadata finds the data file."""
    pdf, _boxes = _render(world)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        xmp = document.Root.Metadata.read_bytes().decode()
        name = str(next(iter(document.Root.AF)).UF)
    assert xmp.count("<rdf:RDF") == 1
    assert f"<hoso:DocumentFileName>{name}</hoso:DocumentFileName>" in xmp
    assert "<pdfaSchema:prefix>hoso</pdfaSchema:prefix>" in xmp


def test_a_rerender_of_the_same_record_is_the_same_bytes(world):
    assert _render(world)[0] == _render(world)[0]


def test_verapdf_passes_the_book_as_pdfa_3a_before_and_after_signing(world, tmp_path):
    pdf, boxes = _render(world)
    paths = []
    for name, data in (("rendered", pdf), ("signed", _signed(world, pdf, boxes))):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        paths.append(path)
    report = verapdf(*paths, flavour="3a")
    lines = [line for line in report.splitlines() if line.startswith(("PASS", "FAIL"))]
    assert len(lines) == 2 and all(line.startswith("PASS") for line in lines), report
