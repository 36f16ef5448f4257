"""Backups: two copies on independent media (Thông tư 02/2019/TT-BNV), each read back
and checked; a restore from either copy verifies it first and refuses a corrupt one
without touching the current data."""

from __future__ import annotations

import hashlib
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from archive import backup_targets
from archive.backup import restore
from archive.backup_targets import BackupError

ANH = "Nguyễn Thị Ngọc Ánh"
ONLY_ONE = "Chỉ có MỘT bản sao lưu"


@pytest.fixture
def site(settings, tmp_path, monkeypatch):
    """A private SQLite file stands in for the database (never the test database itself),
    with media and a filesystem object store beside it."""
    db_file = tmp_path / "db.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("create table t (v text)")
        conn.execute("insert into t values (?)", (ANH,))
    monkeypatch.setattr(
        "archive.backup._db", lambda: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_file)}
    )
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "photo.jpg").write_bytes(b"jpeg")
    objects = tmp_path / "objects" / "schools" / "THHN"
    objects.mkdir(parents=True)
    (objects / "v1.pdf").write_bytes(b"%PDF-1.7 signed")
    (objects / "v1.pdf").chmod(0o444)
    settings.OBJECT_STORE = {**settings.OBJECT_STORE, "LOCAL_ROOT": str(tmp_path / "objects")}
    settings.ARCHIVE = {**settings.ARCHIVE, "BACKUP_SECOND_TARGET": None}
    return tmp_path


def rows(site: Path) -> list[tuple[str]]:
    with sqlite3.connect(site / "db.sqlite3") as conn:
        return conn.execute("select v from t").fetchall()


def only_backup(folder: Path) -> Path:
    (archive,) = folder.glob("hoso-backup-*.tar.gz")
    return archive


@pytest.mark.django_db
def test_backup_writes_two_copies_read_back_with_the_same_digest(site, capsys):
    call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    first, second = only_backup(site / "first"), only_backup(site / "second")
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert hashlib.sha256(second.read_bytes()).hexdigest() == digest
    for copy in (first, second):
        assert copy.stat().st_mode & 0o777 == 0o600
        sidecar = copy.with_name(copy.name + ".sha256").read_text()
        assert sidecar == f"{digest}  {copy.name}\n"  # what `sha256sum -c` reads
    out = capsys.readouterr()
    assert f"{first}  sha256={digest}" in out.out and f"{second}  sha256={digest}" in out.out
    assert ONLY_ONE not in out.err
    assert not list(site.rglob("*.part"))


@pytest.mark.django_db
def test_backup_holds_database_index_media_objects_and_a_manifest(site):
    call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    with tarfile.open(only_backup(site / "second")) as tar:
        names = set(tar.getnames())
    assert {
        "db.sqlite3",
        "archive-index.json",
        "media/photo.jpg",
        "objects/schools/THHN/v1.pdf",  # the filesystem store, without a flag
        "manifest.json",
    } <= names


@pytest.mark.django_db
def test_the_second_target_is_read_from_the_settings(site, settings, capsys):
    settings.ARCHIVE = {**settings.ARCHIVE, "BACKUP_SECOND_TARGET": str(site / "nas")}
    call_command("backup", dir=str(site / "first"))
    assert only_backup(site / "nas").read_bytes() == only_backup(site / "first").read_bytes()
    assert ONLY_ONE not in capsys.readouterr().err


@pytest.mark.django_db
def test_without_a_second_target_the_backup_says_only_one_copy_exists(site, capsys):
    call_command("backup", dir=str(site / "first"))
    err = capsys.readouterr().err
    assert ONLY_ONE in err and "ARCHIVE_BACKUP_SECOND_TARGET" in err
    assert only_backup(site / "first").exists()


@pytest.mark.django_db
def test_require_two_fails_without_a_second_target_but_keeps_the_one_copy(site, settings):
    with pytest.raises(CommandError, match=ONLY_ONE):
        call_command("backup", dir=str(site / "first"), require_two=True)
    assert only_backup(site / "first").exists()
    settings.ARCHIVE = {**settings.ARCHIVE, "BACKUP_REQUIRE_TWO": True}  # the setting, too
    with pytest.raises(CommandError, match=ONLY_ONE):
        call_command("backup", dir=str(site / "other"))


@pytest.mark.django_db
def test_an_unwritable_second_target_fails_the_backup_in_words(site):
    (site / "blocked").write_text("a file where the directory should be")
    with pytest.raises(CommandError) as failed:
        call_command("backup", dir=str(site / "first"), second=str(site / "blocked" / "copies"))
    assert "Không ghi được bản sao lưu vào" in str(failed.value)
    assert (site / "blocked").read_text() == "a file where the directory should be"


@pytest.mark.django_db
def test_a_copy_that_reads_back_wrong_is_not_left_under_its_name(site, monkeypatch):
    real = backup_targets._disk_sha256
    monkeypatch.setattr(
        backup_targets,
        "_disk_sha256",
        lambda path: "0" * 64 if "second" in str(path) else real(path),
    )
    with pytest.raises(CommandError, match="đọc lại không khớp SHA-256"):
        call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    assert list((site / "second").iterdir()) == []  # no copy, no digest, no .part
    assert only_backup(site / "first").exists()


@pytest.mark.django_db
def test_restore_from_the_second_copy_brings_back_rows_media_and_objects(site):
    call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    with sqlite3.connect(site / "db.sqlite3") as conn:
        conn.execute("delete from t")
    (site / "media" / "photo.jpg").unlink()
    pdf = site / "objects" / "schools" / "THHN" / "v1.pdf"
    pdf.unlink()

    call_command("restore", str(only_backup(site / "second")), yes=True)

    assert rows(site) == [(ANH,)]
    assert (site / "media" / "photo.jpg").read_bytes() == b"jpeg"
    assert pdf.read_bytes() == b"%PDF-1.7 signed" and pdf.stat().st_mode & 0o222 == 0


@pytest.mark.django_db
def test_restore_refuses_a_corrupt_copy_and_changes_nothing(site):
    call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    copy = only_backup(site / "second")
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with sqlite3.connect(site / "db.sqlite3") as conn:
        conn.execute("insert into t values ('after the backup')")

    with pytest.raises(CommandError) as refused:
        call_command("restore", str(copy), yes=True)

    assert "bị hỏng hoặc không đầy đủ" in str(refused.value)
    assert "không khôi phục gì" in str(refused.value)
    assert rows(site) == [(ANH,), ("after the backup",)]
    assert (site / "media" / "photo.jpg").read_bytes() == b"jpeg"


@pytest.mark.django_db
def test_restore_refuses_a_copy_without_its_digest_unless_one_is_given(site):
    call_command("backup", dir=str(site / "first"), second=str(site / "second"))
    copy = only_backup(site / "second")
    sidecar = copy.with_name(copy.name + ".sha256")
    digest = sidecar.read_text().split()[0]
    sidecar.unlink()
    with sqlite3.connect(site / "db.sqlite3") as conn:
        conn.execute("delete from t")

    with pytest.raises(BackupError, match="thiếu tệp"):
        restore(copy)
    assert rows(site) == []

    with pytest.raises(BackupError, match="SHA-256"):
        restore(copy, expected_sha256="f" * 64)
    assert rows(site) == []

    restore(copy, expected_sha256=digest)
    assert rows(site) == [(ANH,)]


@pytest.mark.django_db
def test_restore_of_a_missing_copy_is_refused_in_words(site):
    with pytest.raises(CommandError, match="Không tìm thấy bản sao lưu"):
        call_command("restore", str(site / "nowhere.tar.gz"), yes=True)
    assert rows(site) == [(ANH,)]


@pytest.mark.django_db
def test_an_unreachable_s3_second_target_fails_the_backup_in_words(site, settings):
    settings.ARCHIVE = {
        **settings.ARCHIVE,
        "BACKUP_SECOND_S3": {
            "ENDPOINT_URL": "http://127.0.0.1:9",  # nothing listens on the discard port
            "ACCESS_KEY_ID": "backup",
            "SECRET_ACCESS_KEY": "backup-secret",
            "REGION": "us-east-1",
        },
    }
    with pytest.raises(CommandError) as failed:
        call_command("backup", dir=str(site / "first"), second="s3://hoso-backup/drill")
    assert "Không ghi được bản sao lưu vào s3://hoso-backup/drill/hoso-backup-" in str(failed.value)
    assert only_backup(site / "first").exists()  # the first copy stands
