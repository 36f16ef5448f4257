"""archive_verify checks every kind of stored object: records and correction minutes
(hash and signature), year packages (hash and the BagIt bag inside), audit checkpoints
(hash and signature); a changed, missing or unreadable object is named, exit 1."""

from __future__ import annotations

import io
import os
import shutil
import stat
import warnings
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from archive import checkpoints, integrity, services, storage
from archive.models import ArchivedVersion, ArchiveExtension, AuditCheckpoint, DocumentKind
from tests.archive.conftest import build_school
from tests.conftest import kept_for_module

pytestmark = pytest.mark.django_db

MINUTES = {
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
}


def _build_archive() -> None:
    """One học bạ frozen, its correction minutes, the year package (which makes the
    school's package checkpoint) and the daily checkpoints (the school's and all)."""
    data = build_school()
    state = data.states["student_record"]
    services.freeze_enqueue(record_state=state)
    record = {"page_id": state.page_id, "record_type": "student_record"}
    services.minutes_enqueue(
        minutes={**MINUTES, "record": {**record, "title": data.records["student_record"].title}},
        school_id=data.school.pk,
        school_year_id=data.year.pk,
    )
    assert services.run_once() == 2
    call_command("export_year_package", school="THHN", year="2024-2025", stderr=io.StringIO())
    checkpoints.checkpoints_daily()


@pytest.fixture(scope="module")
def _pristine(django_db_setup, django_db_blocker, tmp_path_factory):
    """The archive built once for the module: its rows kept in a module transaction,
    its objects in a store folder each test copies (tests change and delete objects)."""
    root = tmp_path_factory.mktemp("archive-verify") / "objects"
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        with override_settings(OBJECT_STORE={"LOCAL_ROOT": str(root)}):
            _build_archive()
        yield root


@pytest.fixture
def archive(_pristine, db, settings) -> Path:
    """A private copy of the archive's store; returns its folder."""
    root = Path(settings.OBJECT_STORE["LOCAL_ROOT"])
    shutil.copytree(_pristine, root)
    return root


def _row(kind: str) -> ArchivedVersion | AuditCheckpoint:
    if kind == integrity.CHECKPOINT:
        return AuditCheckpoint.objects.filter(scope__startswith="school:").first()
    return ArchivedVersion.objects.get(kind=kind)


def _rewrite(root: Path, key: str, data: bytes) -> None:
    path = root / key
    os.chmod(path, 0o644)
    path.write_bytes(data)


def verify(**options) -> str:
    out = io.StringIO()
    call_command("archive_verify", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def verify_fails(**options) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="failed verification"):
        call_command("archive_verify", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_a_clean_archive_of_every_kind_verifies_and_exits_0(archive):
    out = verify()
    rows = [*ArchivedVersion.objects.all(), *AuditCheckpoint.objects.all()]
    assert len(rows) == 6  # record, minutes, package, 3 checkpoints
    for row in rows:
        kind = getattr(row, "kind", integrity.CHECKPOINT)
        assert f"INTACT      {row.key}  [{kind}]" in out
    package = ArchivedVersion.objects.get(kind=DocumentKind.PACKAGE)
    assert f"[package] {package.title} (THHN 2024-2025, v1)" in out
    assert "record: 1 checked, 1 intact, 0 not intact" in out
    assert "minutes: 1 checked, 1 intact, 0 not intact" in out
    assert "package: 1 checked, 1 intact, 0 not intact" in out
    assert "checkpoint: 3 checked, 3 intact, 0 not intact" in out
    assert "total: 6 checked, 6 intact, 0 not intact" in out


@pytest.mark.parametrize("kind", ["record", "minutes", "package", "checkpoint"])
def test_a_changed_byte_is_named_with_the_stored_and_the_computed_hash(archive, kind):
    row = _row(kind)
    data = bytearray((archive / row.key).read_bytes())
    data[len(data) // 2] ^= 0x01
    _rewrite(archive, row.key, bytes(data))
    out = verify_fails()
    computed = storage.sha256(bytes(data))
    line = next(line for line in out.splitlines() if row.key in line)
    assert line.startswith(f"TAMPERED    {row.key}  [{kind}]")
    assert line.endswith(f"stored hash {row.sha256}, computed {computed}")
    of_kind = 3 if kind == integrity.CHECKPOINT else 1
    assert f"{kind}: {of_kind} checked, {of_kind - 1} intact, 1 not intact" in out
    assert "total: 6 checked, 5 intact, 1 not intact" in out
    row.refresh_from_db()
    assert storage.sha256((archive / row.key).read_bytes()) != row.sha256  # nothing "repaired"


def test_a_deleted_object_is_reported_missing(archive):
    row = _row("package")
    (archive / row.key).unlink()
    out = verify_fails()
    assert f"MISSING     {row.key}  [package]" in out
    assert "the object is missing from the store" in out


def _rezipped(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The package with one member's bytes changed in place (same size, so only the
    checksums can tell), zipped again."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename.endswith(member):
                assert old in content
                content = content.replace(old, new, 1)
            target.writestr(info, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("member", "old", "new"),
    [
        ("/data/exports/so-dang-bo.csv", "Ánh".encode(), "Ánt".encode()),  # payload manifest
        ("/bag-info.txt", b"THHN-2024-2025", b"THHN-2024-2026"),  # tag manifest
    ],
)
def test_a_file_changed_inside_a_rezipped_package_is_caught_by_the_bag_check(
    archive, member, old, new
):
    row = _row("package")
    changed = _rezipped((archive / row.key).read_bytes(), member, old, new)
    _rewrite(archive, row.key, changed)
    # The index row follows, so the hash alone cannot tell: the bag's manifests must.
    ArchivedVersion.objects.filter(pk=row.pk).update(sha256=storage.sha256(changed))
    out = verify_fails()
    line = next(line for line in out.splitlines() if row.key in line)
    assert line.startswith(f"INVALID     {row.key}  [package]")
    assert "the bag does not validate" in line
    assert f"{member.lstrip('/')} sha256 validation failed" in line


def test_a_checkpoint_whose_signature_fails_says_why(archive):
    row = _row("checkpoint")
    data = (archive / row.key).read_bytes()
    head = row.heads[0]["hash"]
    forged = data.replace(head.encode(), b"0" * len(head))
    _rewrite(archive, row.key, forged)
    AuditCheckpoint.objects.filter(pk=row.pk).update(sha256=storage.sha256(forged))
    out = verify_fails()
    assert f"INVALID     {row.key}  [checkpoint]" in out
    assert f"checkpoint {row.key}: the signature does not verify" in out


def test_an_object_of_a_kind_without_a_checker_is_reported_not_skipped(archive):
    record = _row("record")
    content = b"a kind added later"
    key = f"schools/THHN/2024-2025/letters/{record.page_ref}/v1.bin"
    (archive / key).parent.mkdir(parents=True)
    (archive / key).write_bytes(content)
    ArchivedVersion.objects.create(
        kind="letter",
        page_ref=record.page_ref,
        school=record.school,
        school_year=record.school_year,
        record_type="letter",
        title="Công văn",
        version=1,
        key=key,
        sha256=storage.sha256(content),
        size=len(content),
        verification_code="LETTER1",
    )
    out = verify_fails()
    assert f"UNCHECKED   {key}  [letter] Công văn" in out
    assert "no checker for kind 'letter'" in out
    assert "letter: 1 checked, 0 intact, 1 not intact" in out


def test_kind_school_and_year_select_the_objects_of_every_kind(archive):
    out = verify(kind=["package", "checkpoint"], school="THHN", year="2024-2025")
    assert "package: 1 checked, 1 intact" in out
    # The school's daily and package checkpoints; all chains belong to no school.
    assert "checkpoint: 2 checked, 2 intact" in out
    assert "record:" not in out and "[record]" not in out
    assert "total: 3 checked, 3 intact, 0 not intact" in out


def test_an_unknown_school_or_year_is_refused(archive):
    with pytest.raises(CommandError, match="Unknown school: XYZ"):
        verify(school="XYZ")
    with pytest.raises(CommandError, match="Unknown school year: 1999-2000"):
        verify(year="1999-2000")


def _zip(members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a name given twice, on purpose
        for info, content in members:
            archive.writestr(info, content)
    return buffer.getvalue()


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        ("/tmp/escaped.txt", "absolute path"),
        ("../escaped.txt", "'..' in the path"),
        ("bag/data/../../../escaped.txt", "'..' in the path"),
        ("C:/escaped.txt", "absolute path"),
        ("bag\\..\\escaped.txt", "backslash in the path"),
        (_symlink("bag/data/link"), "symbolic link"),
        ("bag/bagit.txt", "stored twice"),
    ],
)
def test_a_package_path_that_leaves_its_folder_is_refused_before_unpacking(
    tmp_path, monkeypatch, member, problem
):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "work"))
    (tmp_path / "work").mkdir()
    bag = [("bag/bagit.txt", b"BagIt-Version: 1.0\n"), ("bag/data/a.txt", b"a")]
    problems = integrity.bag_problems(_zip([*bag, (member, b"escaped")]))
    assert any(problem in p for p in problems), problems
    assert not list(tmp_path.rglob("escaped.txt")) and not list((tmp_path / "work").iterdir())


def test_a_zip_that_unpacks_far_beyond_its_size_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(integrity, "EXPANSION_SLACK", 0)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bag/data/zeros.bin", bytes(4 * 1024 * 1024))
    problems = integrity.bag_problems(data.getvalue())
    assert len(problems) == 1 and "refused" in problems[0]
    assert not list(tmp_path.iterdir())  # nothing was unpacked


def test_a_package_that_is_not_a_zip_is_named(tmp_path):
    assert integrity.bag_problems(b"%PDF-1.7 not a zip") == [
        "not a zip file (File is not a zip file)"
    ]


def test_a_record_whose_signature_no_longer_holds_says_why(archive):
    row = _row("record")
    data = bytearray((archive / row.key).read_bytes())
    # The binary comment after the header: inside the signed range, ignored by readers.
    assert data.startswith(b"%PDF-") and data[9:10] == b"%"
    data[10] ^= 0x01
    _rewrite(archive, row.key, bytes(data))
    ArchivedVersion.objects.filter(pk=row.pk).update(sha256=storage.sha256(bytes(data)))
    out = verify_fails(kind=["record"])
    line = next(line for line in out.splitlines() if row.key in line)
    assert line.startswith(f"TAMPERED    {row.key}  [record]")
    # The reason in words, then pyHanko's (one summary per signature and timestamp).
    assert ": the signed content was changed after signing (" in line and "INVALID" in line
    assert "record: 1 checked, 0 intact, 1 not intact" in out


def _extended_from(archive: Path, earlier: bytes) -> str:
    """The record's current file as if an extension had appended to `earlier`: the
    earlier object kept beside it, an ArchiveExtension row linking the two."""
    row = _row("record")
    key = row.key.replace("/v1.pdf", "/v1-before-extension.pdf")
    (archive / key).write_bytes(earlier)
    ArchiveExtension.objects.create(
        archived=row,
        previous_key=key,
        previous_sha256=storage.sha256(earlier),
        key=row.key,
        sha256=row.sha256,
        reason="timestamp expiring",
        made_at=timezone.now(),
    )
    return key


def test_the_file_an_extension_replaced_is_checked_as_the_start_of_the_newer_one(archive):
    current = (archive / _row("record").key).read_bytes()
    key = _extended_from(archive, current[: len(current) // 2])
    out = verify(kind=["earlier", "record"])
    assert f"INTACT      {key}  [earlier] before " in out
    assert "earlier: 1 checked, 1 intact, 0 not intact" in out


def test_an_earlier_file_the_extension_does_not_begin_with_is_reported(archive):
    row = _row("record")
    current = bytearray((archive / row.key).read_bytes()[:4096])
    current[100] ^= 0x01  # its own hash follows: only the comparison can tell
    key = _extended_from(archive, bytes(current))
    out = verify_fails(kind=["earlier"])
    assert f"INVALID     {key}  [earlier]" in out
    assert f"the file that extended it, {row.key}, rewrote it" in out
