"""Backups restore: a row deleted after the backup comes back."""

from __future__ import annotations

import sqlite3
import tarfile

import pytest
from django.core.management import call_command

from archive.backup import restore


@pytest.mark.django_db
def test_backup_contains_database_index_and_media_and_restores(settings, tmp_path, monkeypatch):
    db_file = tmp_path / "db.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("create table t (v text)")
        conn.execute("insert into t values ('Nguyễn Thị Ngọc Ánh')")
    # A private SQLite file stands in for the database (never the test database itself).
    monkeypatch.setattr(
        "archive.backup._db", lambda: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(db_file)}
    )
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "photo.jpg").write_bytes(b"jpeg")
    call_command("backup", dir=str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").iterdir()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"db.sqlite3", "archive-index.json", "media/photo.jpg"} <= set(names)

    with sqlite3.connect(db_file) as conn:
        conn.execute("delete from t")
    (tmp_path / "media" / "photo.jpg").unlink()
    restore(archive)
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("select v from t").fetchall() == [("Nguyễn Thị Ngọc Ánh",)]
    assert (tmp_path / "media" / "photo.jpg").read_bytes() == b"jpeg"
