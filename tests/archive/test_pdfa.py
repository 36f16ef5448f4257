"""PDF/A conformance checked by an independent validator (veraPDF), not our code,
and the tagged structure (PDF/A-2a) a screen reader walks, read back with pypdf.

veraPDF is fetched once from Maven Central with tests/archive/verapdf/pom.xml and
cached under ~/.cache/hoso/verapdf; without Java/Maven the test skips (fails in CI).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from archive import signing
from archive.rendering import Footer, render_record

pytestmark = pytest.mark.django_db

CACHE = Path(os.environ.get("HOSO_CACHE_DIR", Path.home() / ".cache" / "hoso")) / "verapdf"
POM = Path(__file__).parent / "verapdf" / "pom.xml"


def verapdf_classpath() -> str:
    lib = CACHE / "lib"
    if not any(lib.glob("greenfield-apps-*.jar")):
        if not (shutil.which("mvn") and shutil.which("java")):
            _missing("Java and Maven are needed to fetch veraPDF")
        subprocess.run(
            [
                "mvn",
                "-q",
                "-f",
                str(POM),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={lib}",
            ],
            check=True,
            timeout=600,
        )
    return f"{lib}/*"


def _missing(why: str):
    if os.environ.get("HOSO_REQUIRE_SERVICES") == "1":
        pytest.fail(why)
    pytest.skip(why)


def verapdf(*paths: Path, flavour: str | None = None) -> str:
    """veraPDF's text report; with `flavour` ("2a", "2u", "ua1", ...) the files are
    checked against that part whatever they declare, else against what they declare."""
    chosen = ["--flavour", flavour] if flavour else []
    result = subprocess.run(
        [
            "java",
            "-cp",
            verapdf_classpath(),
            "org.verapdf.apps.GreenfieldCliWrapper",
            "--format",
            "text",
            *chosen,
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return result.stdout


def _rendered(school_data, record_type: str) -> bytes:
    page = school_data.records[record_type]
    state = school_data.states[record_type]
    footer = Footer(page.pk, state.version, state.approved_hash, f"CODE{page.pk}")
    frozen = state.approved_revision.as_object()
    return render_record(frozen, footer=footer, issued_on=dt.date(2025, 5, 20))


def _signed(school_data, pdf: bytes) -> bytes:
    return signing.sign_pdf(pdf, school=school_data.school, reason="Lưu trữ").pdf


def test_every_record_type_is_valid_pdfa_before_and_after_signing(school_data, tmp_path):
    """The part the README declares is the part veraPDF checks, for every record type:
    PDF/A-3a for the học bạ (it carries its data file, issue 16), PDF/A-2a for every
    other; the school's signature (an incremental update with a visible stamp) keeps it."""
    paths: dict[str, list[Path]] = {"2a": [], "3a": []}
    for record_type in school_data.records:
        pdf = _rendered(school_data, record_type)
        _catalog, elements = _structure(pdf)
        assert _headings_skip_no_level(elements), record_type
        flavour = "3a" if record_type == "student_record" else "2a"
        assert _xmp_conformance(pdf) == (flavour[0], "A"), record_type
        path = tmp_path / f"{record_type}.pdf"
        path.write_bytes(pdf)
        signed = tmp_path / f"{record_type}-signed.pdf"
        signed.write_bytes(_signed(school_data, pdf))
        paths[flavour] += [path, signed]
    for flavour, checked in paths.items():
        report = verapdf(*checked, flavour=flavour)
        lines = [line for line in report.splitlines() if line.startswith(("PASS", "FAIL"))]
        assert len(lines) == len(checked), report
        assert all(line.startswith("PASS") for line in lines), report


# --- the tagged structure, read back ------------------------------------------------


def _structure(pdf: bytes) -> tuple[DictionaryObject, list[DictionaryObject]]:
    """The catalog and every structure element reachable from the structure tree root
    (what a screen reader walks; elements not linked into the tree do not count)."""
    catalog = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    return catalog, list(_elements(catalog["/StructTreeRoot"].get_object()))


def _elements(node) -> Iterator[DictionaryObject]:
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        if kid is None or isinstance(kid, int):
            continue  # a marked-content id: page content, not an element
        element = kid.get_object()
        if isinstance(element, DictionaryObject) and "/S" in element:
            yield element
            yield from _elements(element)


def _headings_skip_no_level(elements: list[DictionaryObject]) -> bool:
    """In reading order the first heading is H1 and none goes more than one level
    deeper than the one before (a screen reader's outline has no holes)."""
    levels = [int(str(e["/S"])[2:]) for e in elements if str(e["/S"])[:2] == "/H"]
    steps = zip([0, *levels], levels, strict=False)
    return bool(levels) and levels[0] == 1 and all(b <= a + 1 for a, b in steps)


def _kinds(elements: list[DictionaryObject]) -> set[str]:
    return {str(element["/S"]) for element in elements}


def _xmp_conformance(pdf: bytes) -> tuple[str, str]:
    """pdfaid:part and pdfaid:conformance of the XMP packet (as attributes or elements)."""
    xmp = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Metadata"].get_object().get_data()
    ns = "{http://www.aiim.org/pdfa/ns/id/}"
    found: dict[str, str] = {}
    for node in ElementTree.fromstring(xmp).iter():
        for name in ("part", "conformance"):
            value = node.get(ns + name) or (node.text if node.tag == ns + name else None)
            if value:
                found[name] = value
    return found.get("part", ""), found.get("conformance", "")


def test_a_record_is_tagged_in_vietnamese_with_headings_and_header_cells(school_data):
    pdf = _rendered(school_data, "lesson_plan")
    for label, data in (("rendered", pdf), ("signed", _signed(school_data, pdf))):
        catalog, elements = _structure(data)
        assert catalog["/Lang"] == "vi", label
        assert catalog["/MarkInfo"]["/Marked"], label
        assert {"/Document", "/H1", "/H2", "/Table", "/TH", "/TD", "/P"} <= _kinds(elements)
        # Each data cell of a table with a header row is tied to its header cells.
        header_ids = {str(e["/ID"]) for e in elements if e["/S"] == "/TH" and "/ID" in e}
        linked = [e for e in elements if e["/S"] == "/TD" and e["/A"].get("/Headers")]
        assert header_ids and linked, label
        assert {str(h) for e in linked for h in e["/A"]["/Headers"]} <= header_ids
        assert _xmp_conformance(data) == ("2", "A"), label


def test_the_verification_qr_code_is_reachable_with_its_url_as_alt_text(school_data):
    """The evidence footer is page furniture (a margin box, kept out of the structure
    tree); its content, QR code included, reaches a screen reader once, in the body."""
    page = school_data.records["other"]
    _catalog, elements = _structure(_rendered(school_data, "other"))
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    qr = [alt for alt in alts if alt.startswith("Mã QR")]
    assert len(qr) == 1 and qr[0].endswith(f"/CODE{page.pk}/"), alts


def test_every_pupil_photo_in_the_register_has_the_pupils_name_as_alt_text(school_data):
    _catalog, elements = _structure(_rendered(school_data, "enrollment_register"))
    alts = [str(e.get("/Alt", "")) for e in elements if e["/S"] == "/Figure"]
    photos = [alt for alt in alts if not alt.startswith("Mã QR")]
    assert photos, alts
    names = {p.full_name for p in school_data.pupils}
    assert all(alt.startswith("Ảnh học sinh ") and alt[13:] in names for alt in photos), alts


def test_the_archived_file_b_lta_and_extended_stays_tagged_pdfa_3a(school_data, tmp_path):
    """What the archive keeps is not the signed render: the DSS (CRL, OCSP), a document
    timestamp and, years later, an extension round are appended to it. Each is an
    incremental update PDF/A-2 allows, and none of them may untag the record."""
    pdf = _signed(school_data, _rendered(school_data, "student_record"))
    archived = signing.archive_timestamp(pdf)
    assert signing.level(archived) == signing.B_LTA
    extended = signing.extend(archived)
    paths = []
    for name, data in (("b-lta", archived), ("extended", extended)):
        catalog, elements = _structure(data)
        assert catalog["/Lang"] == "vi" and {"/H1", "/Table", "/Figure"} <= _kinds(elements)
        assert _xmp_conformance(data) == ("3", "A"), name  # the học bạ: its data file inside
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(data)
        paths.append(path)
    report = verapdf(*paths, flavour="3a")
    assert report.count("PASS ") == 2 and "FAIL" not in report, report
