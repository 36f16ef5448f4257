"""Backups (R11): database dump, media files and the archive index in one tar.gz.

SQLite is copied with its online backup API (consistent while the app runs);
PostgreSQL is dumped with pg_dump (custom format). Signed PDFs live in object
storage with versioning and Object Lock; the archive index (ArchivedVersion
rows) lets a restored database find them again. With the filesystem store the
objects directory can be included too.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.db import connections

logger = logging.getLogger(__name__)


def _db() -> dict:
    return settings.DATABASES["default"]


def _pg_env(db: dict) -> dict:
    import os

    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def backup(target_dir: Path, *, include_objects: bool = False) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = target_dir / f"hoso-backup-{stamp}.tar.gz"
    db = _db()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if db["ENGINE"].endswith("sqlite3"):
            dump = work / "db.sqlite3"
            source = sqlite3.connect(str(db["NAME"]))
            dest = sqlite3.connect(str(dump))
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        else:
            dump = work / "db.pgdump"
            subprocess.run(
                ["pg_dump", "-Fc", "-f", str(dump), *_pg_args(db), db["NAME"]],
                check=True,
                env=_pg_env(db),
            )
        from archive.models import ArchivedVersion

        index = serializers.serialize("json", ArchivedVersion.objects.order_by("pk"))
        with tarfile.open(target, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            info = tarfile.TarInfo("archive-index.json")
            data = index.encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                tar.add(media, arcname="media")
            objects = Path(settings.OBJECT_STORE["LOCAL_ROOT"])
            if include_objects and objects.exists():
                tar.add(objects, arcname="objects")
    target.chmod(0o600)
    logger.info("Backup written to %s", target)
    return target


def restore(archive: Path) -> None:
    """Replace the database and media with the backup's. Stop the app first."""
    db = _db()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        connections.close_all()
        if (work / "db.sqlite3").exists():
            source = sqlite3.connect(str(work / "db.sqlite3"))
            dest = sqlite3.connect(str(db["NAME"]))
            with dest:
                source.backup(dest)
            source.close()
            dest.close()
        elif (work / "db.pgdump").exists():
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "-d", db["NAME"], *_pg_args(db),
                 str(work / "db.pgdump")],
                check=True,
                env=_pg_env(db),
            )  # fmt: skip
        for name, destination in (
            ("media", Path(settings.MEDIA_ROOT)),
            ("objects", Path(settings.OBJECT_STORE["LOCAL_ROOT"])),
        ):
            if (work / name).exists():
                shutil.copytree(work / name, destination, dirs_exist_ok=True)
    logger.info("Restored from %s", archive)
