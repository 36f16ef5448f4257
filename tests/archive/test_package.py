"""The year-end bag validates, lists every signed document and every signature holds."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import bagit
import pytest
from django.core.management import call_command

from archive import services, storage
from archive.models import ArchivedVersion, DocumentKind
from archive.package import build_year_package

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_year(school_data):
    for state in school_data.states.values():
        services.freeze_enqueue(record_state=state)
    services.minutes_enqueue(
        minutes={
            "record": {
                "page_id": school_data.states["student_record"].page_id,
                "record_type": "student_record",
                "title": school_data.records["student_record"].title,
            },
            "version_before": 1,
            "version_after": 2,
            "changes": [{"field": "Toán – mức đạt được", "before": "H", "after": "T"}],
            "reason": "Nhập nhầm mức đạt được",
            "requested_by": {"name": "Lê Thị Hồng Nhung", "role": "Giáo viên"},
            "consented_by": {"name": "Trần Văn Hưng", "role": "Hiệu trưởng"},
            "requested_at": "2025-05-22T09:00:00+07:00",
            "consented_at": "2025-05-22T10:00:00+07:00",
            "acknowledgements": [
                {"name": "Trần Văn Hưng", "role": "Hiệu trưởng", "at": "2025-05-22T11:00:00+07:00"}
            ],
        },
        school_id=school_data.school.pk,
        school_year_id=school_data.year.pk,
    )
    assert services.run_once() == len(school_data.states) + 1
    return school_data


def _unzip(data: bytes, target) -> bagit.Bag:
    target = target / "bag"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(target)
    (root,) = [p for p in target.iterdir() if p.is_dir()]
    return bagit.Bag(str(root))


def test_year_package_is_a_valid_bag_listing_every_signed_document(frozen_year, tmp_path):
    data, manifest = build_year_package(frozen_year.school, frozen_year.year)
    bag = _unzip(data, tmp_path)
    bag.validate()
    rows = ArchivedVersion.objects.exclude(kind=DocumentKind.PACKAGE)
    assert {d["storage_key"] for d in manifest["documents"]} == {r.key for r in rows}
    assert any(d["kind"] == "minutes" for d in manifest["documents"])
    for document in manifest["documents"]:
        assert document["sha256_matches_index"] and document["signer"] and document["retention"]
    report = json.loads((Path(bag.path) / "data" / "signature-report.json").read_text())
    assert report["all_valid"] and len(report["documents"]) == rows.count()
    root = Path(bag.path) / "data"
    assert (root / "exports" / "so-dang-bo.xlsx").exists()
    assert "Nguyễn Thị Ngọc Ánh" in (root / "exports" / "so-dang-bo.csv").read_text("utf-8-sig")
    assert "Hoàn thành tốt" in (root / "exports" / "ket-qua-giao-duc-cac-lop.csv").read_text(
        "utf-8-sig"
    )


def test_rebuilding_gives_the_same_manifest(frozen_year):
    first, manifest_1 = build_year_package(frozen_year.school, frozen_year.year)
    second, manifest_2 = build_year_package(frozen_year.school, frozen_year.year)
    assert manifest_1 == manifest_2
    assert storage.sha256(first) == storage.sha256(second)


def test_export_command_stores_the_package(frozen_year, capsys):
    call_command("export_year_package", school="THHN", year="2024-2025")
    row = ArchivedVersion.objects.get(kind=DocumentKind.PACKAGE)
    assert row.key in capsys.readouterr().out
    assert storage.sha256(storage.get_store().get(row.key)) == row.sha256


@pytest.fixture
def data_files(frozen_year):
    """Two applied CSDL ngành files and one still pending (which stays out)."""
    import datetime as dt
    import hashlib

    from imports.models import DataFile, DataFileStatus

    made = []
    for number, status in enumerate([DataFileStatus.APPLIED, DataFileStatus.APPLIED, "pending"]):
        content = f"PK-fake-xlsx Nguyễn Thị Ngọc Ánh {number}".encode()
        made.append(
            DataFile.objects.create(
                school=frozen_year.school,
                school_year=frozen_year.year,
                filename=f"csdl-nganh-{number}.xlsx",
                sha256=hashlib.sha256(content).hexdigest(),
                size=len(content),
                content=content,
                status=status,
                applied_at=dt.datetime(2024, 9, 10 + number, 8, 0, tzinfo=dt.UTC)
                if status == DataFileStatus.APPLIED
                else None,
            )
        )
    return made


def test_the_package_holds_the_csdl_data_files_and_lists_them(frozen_year, data_files, tmp_path):
    from imports.selectors import data_files_for

    data, manifest = build_year_package(frozen_year.school, frozen_year.year)
    bag = _unzip(data, tmp_path)
    bag.validate()
    expected = data_files_for(school=frozen_year.school, school_year=frozen_year.year)
    assert len(expected) == 2  # the pending file is not part of the year
    listed = {d["path"]: d for d in manifest["data_files"]}
    assert set(listed) == {f"data/{f.package_path}" for f in expected}
    for data_file in expected:
        stored = Path(bag.path) / "data" / data_file.package_path
        assert stored.read_bytes() == data_file.content
        entry = listed[f"data/{data_file.package_path}"]
        assert entry["sha256"] == data_file.sha256 and entry["sha256_matches_import"]
        assert entry["filename"] == data_file.filename and entry["retention"]
        assert data_file.package_path in manifest["exports"]
        # BagIt's own manifest covers them too.
        assert f"data/{data_file.package_path}" in bag.payload_entries()


def test_the_package_holds_the_years_audit_log_and_its_chain_verification(frozen_year, tmp_path):
    import datetime as dt
    from unittest import mock

    from workflow.audit import audit_append

    during_year = dt.datetime(2025, 5, 22, 3, 0, tzinfo=dt.UTC)
    with mock.patch("workflow.audit.timezone.now", return_value=during_year):
        for n in range(3):
            audit_append(
                action="transition.sign",
                school_id=frozen_year.school.pk,
                object_type="record",
                object_id=n,
                summary=f"Học bạ {n}: paper_confirmed → signed",
            )
    data, manifest = build_year_package(frozen_year.school, frozen_year.year)
    bag = _unzip(data, tmp_path)
    bag.validate()
    root = Path(bag.path) / "data"
    lines = (root / "audit" / "audit-log.jsonl").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    written = [f"Học bạ {n}: paper_confirmed → signed" for n in range(3)]
    # The records' own signing entries are there too (chosen by the records' year).
    assert [e["summary"] for e in entries if e["summary"] in written] == written
    verification = json.loads((root / "audit" / "chain-verification.json").read_text("utf-8"))
    assert verification["intact"] is True and verification["entries_in_year"] == len(entries)
    assert manifest["audit_included"]
    assert manifest["audit"]["path"] == "data/audit/audit-log.jsonl"
    assert manifest["audit"]["entries"] == len(entries) and manifest["audit"]["chain_intact"]
    assert manifest["audit"]["sha256"] == storage.sha256(
        (root / "audit" / "audit-log.jsonl").read_bytes()
    )
