"""The year package stands alone (issue #14): an archivist in 2060 reads it without
the software. It carries the year's audit entries chosen by the records' school year,
the trust roots and the validation data its signatures rely on, a Vietnamese
README.txt, BagIt 1.0 manifests in SHA-512 and SHA-256, human file names and the
metadata of Thông tư 02/2019/TT-BNV."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from unittest import mock

import bagit
import pytest
from django.utils import timezone

from archive import services, signing
from archive.package import build_year_package
from workflow.audit import audit_append, export_year

pytestmark = pytest.mark.django_db


def _append_at(when: dt.datetime, **entry) -> None:
    with mock.patch("workflow.audit.timezone.now", return_value=when):
        audit_append(**entry)


def test_audit_entries_are_chosen_by_the_records_school_year_not_the_date(school_data):
    school, year = school_data.school, school_data.year
    record = school_data.states["student_record"]
    after_the_year = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)  # past 31 August 2025
    during_the_year = dt.datetime(2025, 3, 2, 3, 0, tzinfo=dt.UTC)
    _append_at(
        after_the_year,
        action="record.viewed",
        school_id=school.pk,
        object_type="record",
        object_id=record.pk,
        summary="Học bạ đọc lại sau năm học",
    )
    _append_at(
        after_the_year,
        action="user.login",
        school_id=school.pk,
        object_type="user",
        object_id=1,
        summary="Đăng nhập năm sau",
    )
    _append_at(
        during_the_year,
        action="user.login",
        school_id=school.pk,
        object_type="user",
        object_id=1,
        summary="Đăng nhập trong năm",
    )

    entries, verification = export_year(school=school, school_year=year)

    summaries = [e["summary"] for e in entries]
    assert "Học bạ đọc lại sau năm học" in summaries  # about a record of the year
    assert "Đăng nhập trong năm" in summaries  # the school's, in the year's window
    assert "Đăng nhập năm sau" not in summaries  # neither
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert verification["intact"] and verification["entries_in_year"] == len(entries)


def _unzip(data: bytes, target: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(target)
    (root,) = [p for p in target.iterdir() if p.is_dir()]
    return root


def test_the_year_package_reads_and_checks_without_the_software(school_data, tmp_path):
    for state in school_data.states.values():
        services.freeze_enqueue(record_state=state)
    assert services.run_once() == len(school_data.states)
    school, year = school_data.school, school_data.year

    data, manifest = build_year_package(school, year)
    root = _unzip(data, tmp_path / "bag")

    # BagIt 1.0, both algorithms, valid for the library and for the command line.
    bag = bagit.Bag(str(root))
    bag.validate()
    assert bag.version_info == (1, 0) and set(bag.algorithms) == {"sha512", "sha256"}
    for name in ("manifest", "tagmanifest"):
        for alg in ("sha512", "sha256"):
            assert (root / f"{name}-{alg}.txt").exists()
    cli = subprocess.run(
        [str(Path(sys.executable).parent / "bagit.py"), "--validate", str(root)],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr

    # README.txt: a tag file, Vietnamese, UTF-8 with BOM and CRLF.
    raw = (root / "README.txt").read_bytes()
    assert (
        raw.startswith("\ufeff".encode())
        and b"\r\n" in raw
        and b"\n" not in raw.replace(b"\r\n", b"")
    )
    readme = raw.decode("utf-8-sig")
    for words in ("GÓI HỒ SƠ NĂM HỌC 2024-2025", "KIỂM TRA TÍNH TOÀN VẸN", "KIỂM TRA CHỮ KÝ SỐ"):
        assert words in readme
    assert "THỜI HẠN BẢO QUẢN" in readme and "Học bạ: Vĩnh viễn" in readme
    assert any(
        line.endswith(" README.txt")
        for line in (root / "tagmanifest-sha512.txt").read_text().splitlines()
    )

    # bag-info.txt: the real bagging date and the package's archival fields.
    info = bag.info
    assert info["Bagging-Date"] == timezone.localdate().isoformat()
    assert info["Source-Organization"] == school.name
    assert info["External-Identifier"] == f"{school.code}-{year.name}"
    assert info["Bag-Group-Identifier"] and info["Fonds-Code"] and info["School-Year"] == year.name
    assert any("Học bạ: Vĩnh viễn" in line for line in info["Retention-Summary"])

    # Documents under human names, with TT 02/2019 metadata, retention and its source.
    student = next(d for d in manifest["documents"] if d["type"] == "student_record")
    assert student["path"].startswith("data/documents/Học bạ/Học bạ – ")
    assert student["path"].endswith(f" – phiên bản {student['version']}.pdf")
    assert (root / student["path"]).read_bytes()  # the name exists as written
    meta = student["metadata"]
    assert meta["ma_ho_so"].startswith(f"{manifest['fonds_code']}.2024.")
    assert meta["ngon_ngu"] == "Tiếng Việt" and meta["dinh_dang"] == "PDF/A"
    assert meta["so_luong_trang"] >= 1 and meta["nguoi_ky"] and meta["tieu_de_ho_so"]
    assert student["retention_permanent"] and student["retention_years"] is None
    assert "Thông tư 27/2016/TT-BGDĐT" in student["retention_source"]
    lesson = next(d for d in manifest["documents"] if d["type"] == "lesson_plan")
    assert lesson["retention_years"] == 5 and lesson["retention"] == "5 năm"
    other = next(d for d in manifest["documents"] if d["type"] == "other")
    assert other["retention_source"] and other["retention_years"] is None
    assert len({d["path"] for d in manifest["documents"]}) == len(manifest["documents"])

    # Trust roots as PEM, validation data as DER, listed per document.
    assert manifest["trust_roots"]
    for root_cert in manifest["trust_roots"]:
        pem = (root / root_cert["path"]).read_text()
        assert pem.startswith("-----BEGIN CERTIFICATE-----")
    for document in manifest["documents"]:
        facts = signing.read_validation_data((root / document["path"]).read_bytes())
        used = document["validation_data"]
        assert len(used["certificates"]) == len(
            {hashlib.sha256(c).digest() for c in facts.certificates}
        )
        assert len(used["crls"]) == len(set(facts.crls))
        assert len(used["ocsps"]) == len(set(facts.ocsps))
        for path in used["certificates"] + used["crls"] + used["ocsps"]:
            assert hashlib.sha256((root / path).read_bytes()).hexdigest() in path
    assert any(d["validation_data"]["certificates"] for d in manifest["documents"])
    checkpoints = [p for p in (root / "data" / "audit" / "checkpoints").glob("*.p7m")]
    assert len(checkpoints) == len(manifest["audit_checkpoints"])


def test_file_names_keep_vietnamese_replace_only_unsafe_characters_and_number_collisions():
    from archive.package_names import safe_name, unique_paths

    assert safe_name('Học bạ: Nguyễn Thị "Ánh"/1A?') == "Học bạ_ Nguyễn Thị _Ánh__1A_"
    assert safe_name("CON") == "_CON" and safe_name("Kế hoạch. ") == "Kế hoạch"
    assert len(safe_name("Đ" * 400).encode()) <= 180
    paths = unique_paths(
        {"b": ("documents", "Học bạ – An", ".pdf"), "a": ("documents", "HỌC BẠ – AN", ".pdf")}
    )
    assert paths == {"a": "documents/HỌC BẠ – AN.pdf", "b": "documents/Học bạ – An (2).pdf"}


def test_a_long_title_is_shortened_but_keeps_its_version():
    from archive.package_names import MAX_STEM_BYTES, document_stem, safe_name

    title = "Bảng tổng hợp kết quả đánh giá giáo dục cuối năm học – Lớp 5A – " * 3
    stem = document_stem(type_label="Bảng tổng hợp", title=title, version=12)
    assert stem.endswith("… – phiên bản 12") and len(stem.encode()) <= MAX_STEM_BYTES
    assert safe_name(stem) == stem


def test_a_school_category_retention_is_read_into_a_period_with_the_school_as_source():
    from recordpages import registry
    from recordpages.models import RecordCategory

    ten = registry.retention_of(RecordCategory(pk=1, name="Sổ", retention="10 năm").rules())
    assert ten.years == 10 and not ten.permanent and "Nhà trường" in str(ten.source)
    kept = registry.retention_of(RecordCategory(pk=2, name="Sổ", retention="Vĩnh viễn").rules())
    assert kept.permanent
    unknown = registry.retention_of(RecordCategory(pk=3, name="Sổ").rules())
    assert not unknown.known and unknown.years is None
