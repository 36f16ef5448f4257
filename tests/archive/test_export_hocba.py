"""manage.py export_hocba (issue 16): a class's or a school's học bạ as one data file
for the sector database, checked against the schema before it is written."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pikepdf
import pytest
from django.core.management import CommandError, call_command
from lxml import etree

from archive import services as archive_services
from archive import storage
from archive.forms.hocba import book_for
from archive.models import ArchivedVersion
from recordpages.hocba import xml as hocba_xml
from recordpages.hocba.xml import to_xml
from recordpages.models import ClassEnrollment, StudentRecordPage, SubjectResult
from tests.factories.world import school_world
from tests.workflow.conftest import sign_hoc_ba_along_its_chain

NS = {"hb": hocba_xml.NAMESPACE}

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return school_world(pupils_per_class=3)


def _export(world, tmp_path, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "export_hocba",
        "--school",
        world.school.code,
        "--year",
        world.year.name,
        *extra,
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def _names_in_class(world, class_name: str) -> list[str]:
    return [
        e.pupil.full_name
        for e in ClassEnrollment.objects.filter(school_class=world.classes[class_name])
        .select_related("pupil")
        .order_by("number", "pk")
    ]


def test_export_of_a_class_writes_a_valid_file_with_one_hocba_per_pupil(world, tmp_path):
    target = tmp_path / "lop-1b.xml"

    out, err = _export(world, tmp_path, "--class", "1b", "--output", str(target))

    data = target.read_bytes()
    assert hocba_xml.validate(data) == []
    root = etree.fromstring(data)
    assert root.get("NamHoc") == world.year.name
    books = root.findall("hb:HocBa", NS)
    names = [b.findtext("hb:HocSinh/hb:HoTen", namespaces=NS) for b in books]
    assert names == _names_in_class(world, "1B") and len(names) == 3
    assert root.get("SoLuong") == "3"
    assert all(b.get("NamHocHienTai") == world.year.name for b in books)
    assert str(target) in out
    assert "export_hocba" in err  # the progress bar


def test_export_as_json_holds_the_same_books(world, tmp_path):
    target = tmp_path / "lop-1b.json"

    _export(world, tmp_path, "--class", "1B", "--format", "json", "--output", str(target))

    document = json.loads(target.read_text(encoding="utf-8"))
    books = document["DanhSachHocBa"]["HocBa"]
    assert [b["HocSinh"]["HoTen"] for b in books] == _names_in_class(world, "1B")


def test_a_rerun_writes_the_same_bytes(world, tmp_path):
    target = tmp_path / "hocba.xml"
    _export(world, tmp_path, "--class", "1B", "--output", str(target))
    first = target.read_bytes()

    _export(world, tmp_path, "--class", "1B", "--output", str(target))

    assert target.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["hocba.xml"]  # no temporary left


def test_a_school_export_names_the_pupils_who_have_no_hocba_yet(world, tmp_path):
    target = tmp_path / "truong.xml"

    _out, err = _export(world, tmp_path, "--output", str(target))

    assert hocba_xml.validate(target.read_bytes()) == []
    for name in _names_in_class(world, "1A"):  # class 1A has no học bạ records
        assert f"Học sinh {name} (1A) chưa có học bạ năm học này." in err


@pytest.mark.parametrize(
    "arguments,message",
    [
        (["--school", "KHONGCO", "--year", "{year}"], "Không có trường mã KHONGCO."),
        (["--school", "{school}", "--year", "2031-2032"], "Không có năm học 2031-2032"),
        (
            ["--school", "{school}", "--year", "{year}", "--class", "9Z"],
            "không có lớp 9Z trong năm học",
        ),
        (
            ["--school", "{school}", "--year", "{year}", "--class", "1A"],
            "Không có học bạ nào để xuất",
        ),
    ],
    ids=["unknown_school", "unknown_year", "unknown_class", "class_without_records"],
)
def test_unknown_school_year_or_class_is_refused_in_vietnamese_and_nothing_written(
    world, tmp_path, arguments, message
):
    target = tmp_path / "out.xml"
    filled = [a.format(school=world.school.code, year=world.year.name) for a in arguments]

    with pytest.raises(CommandError, match=message):
        call_command(
            "export_hocba",
            *filled,
            "--output",
            str(target),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )

    assert not target.exists()


def test_an_invalid_value_is_refused_naming_the_pupil_and_the_element_and_nothing_written(
    world, tmp_path
):
    target = tmp_path / "lop-1b.xml"
    target.write_bytes(b"the previous export")
    record = StudentRecordPage.objects.filter(school_class=world.classes["1B"]).first()
    # A score typed past the form's 1-10 (an import that skipped validation).
    SubjectResult.objects.filter(page=record, subject="toan").update(score_year=11)

    with pytest.raises(CommandError) as refused:
        _export(world, tmp_path, "--class", "1B", "--output", str(target))

    message = str(refused.value)
    assert "Tệp không đúng lược đồ học bạ, không ghi tệp:" in message
    assert f"Học bạ của {record.pupil.full_name}: phần tử DiemKTDK không hợp lệ" in message
    assert target.read_bytes() == b"the previous export"
    record.refresh_from_db()
    assert SubjectResult.objects.get(page=record, subject="toan").score_year == 11


# --- the data file inside the signed học bạ ----------------------------------------


def _signed_hoc_ba(world) -> tuple[StudentRecordPage, bytes]:
    """The học bạ taken through its signer chain (homeroom teacher, principal, seal) and
    archived."""
    page = sign_hoc_ba_along_its_chain(world)
    archive_services.freeze_missing()
    while archive_services.run_once():
        pass
    row = ArchivedVersion.objects.get(page_ref=page.pk, kind="record")
    return page, storage.get_store().get(row.key)


def _embedded_data_file(pdf: bytes) -> bytes:
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        [(name, spec)] = document.attachments.items()
        assert name.endswith(".xml")
        assert spec.obj.AFRelationship == pikepdf.Name.Data
        assert spec.obj.objgen in {f.objgen for f in document.Root.AF}
        return spec.get_file().read_bytes()


def _text(pdf: bytes, mode: str) -> str:
    result = subprocess.run(
        ["pdftotext", mode, "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def _printed_values(root: etree._Element) -> list[str]:
    """What the form prints: names, level labels, scores, results, signers."""
    paths = [
        "hb:HocSinh/hb:HoTen",
        ".//hb:MonHoc/@Ten",
        ".//hb:PhamChat/@Ten",
        ".//hb:NangLucChung/@Ten",
        ".//hb:NangLucDacThu/@Ten",
        ".//hb:MucDat/@Ten",
        ".//hb:DiemKTDK",
        ".//hb:KetQuaGiaoDuc/@Ten",
        ".//hb:HoanThanhChuongTrinh/@Ten",
        ".//hb:ChuKy/hb:HoTen",
    ]
    found = []
    for path in paths:
        for hit in root.xpath(path, namespaces=NS):
            found.append(str(hit) if isinstance(hit, str) else hit.text or "")
    return [" ".join(v.split()) for v in found if v.strip()]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) missing")
def test_the_signed_hoc_ba_carries_a_valid_data_file_that_says_what_the_pdf_prints():
    world = school_world()
    page, pdf = _signed_hoc_ba(world)

    data = _embedded_data_file(pdf)

    assert hocba_xml.validate(data) == []
    root = etree.fromstring(data)
    assert root.findtext("hb:HocSinh/hb:HoTen", namespaces=NS) == page.pupil.full_name
    teacher, principal = (
        s.findtext("hb:HoTen", namespaces=NS) for s in root.iter(f"{{{NS['hb']}}}ChuKy")
    )
    assert teacher == world.staff["hn.giaovien"].full_name
    # A table cell may wrap a long name over two lines: -layout keeps the page's
    # columns, -raw the content order that keeps a cell's words together.
    printed = _text(pdf, "-layout") + " " + _text(pdf, "-raw")
    missing = [value for value in _printed_values(root) if value not in printed]
    assert missing == []
    expected_principal = world.staff["hn.hieutruong"].full_name
    assert expected_principal in printed  # the principal's visible signature
    # The file (and its data file) is made when the homeroom teacher signs, before
    # anyone approves: who signs for the principal (the principal, or a vice-principal
    # "KT. Hiệu trưởng") is known from that signature, not from the data. The data file
    # leaves the name empty rather than guess; the signature's own certificate names it.
    assert principal == ""


def test_every_hoc_ba_of_the_school_fixture_has_a_valid_data_file(school_data):
    pages = list(StudentRecordPage.objects.all())
    assert pages

    problems = {page.pk: hocba_xml.validate(to_xml(book_for(page))) for page in pages}

    assert problems == {page.pk: [] for page in pages}
