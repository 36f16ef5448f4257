"""Backups (R11; Thông tư 02/2019/TT-BNV: two copies on independent media).

One tar.gz holds what a rebuild needs: the database (SQLite's online backup API,
consistent while the app runs; PostgreSQL's pg_dump, custom format), the media
files, the archive index (ArchivedVersion and AuditCheckpoint rows as JSON) and,
with the filesystem store, the archive objects themselves. On S3 the objects stay
in their versioned, locked bucket: the restored index finds them there. A
manifest.json inside lists every member's SHA-256.

The archive is written to two targets (backup_targets), each read back and checked;
restore verifies the copy's SHA-256 and the manifest before it touches anything.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import connections
from django.utils.translation import gettext as _

from archive.backup_targets import (
    BackupError,
    StoredCopy,
    file_sha256,
    source_for,
    target_for,
)

logger = logging.getLogger(__name__)

FORMAT = "hoso-backup/2"
MANIFEST = "manifest.json"


@dataclass
class BackupResult:
    copies: list[StoredCopy] = field(default_factory=list)
    only_one_copy: bool = False


def _db() -> dict:
    return connections["default"].settings_dict


def _is_sqlite(db: dict) -> bool:
    return db["ENGINE"].endswith("sqlite3")


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict) -> list[str]:
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    return args


def _run(command: list[str], db: dict) -> None:
    done = subprocess.run(command, env=_pg_env(db), capture_output=True, text=True)
    if done.returncode != 0:
        logger.error("%s failed (%s): %s", command[0], done.returncode, done.stderr.strip())
        raise BackupError(
            _("%(tool)s thất bại: %(error)s") % {"tool": command[0], "error": done.stderr.strip()}
        )


def _dump_database(work: Path) -> Path:
    db = _db()
    if _is_sqlite(db):
        dump = work / "db.sqlite3"
        source, dest = sqlite3.connect(str(db["NAME"])), sqlite3.connect(str(dump))
        try:
            with dest:
                source.backup(dest)
        finally:
            source.close()
            dest.close()
        return dump
    dump = work / "db.pgdump"
    _run(["pg_dump", "-Fc", "-f", str(dump), *_pg_args(db), db["NAME"]], db)
    return dump


def _index_json() -> bytes:
    """The rows that name stored objects, readable without the database."""
    from archive.models import ArchivedVersion, AuditCheckpoint

    rows = [*ArchivedVersion.objects.order_by("pk"), *AuditCheckpoint.objects.order_by("pk")]
    return serializers.serialize("json", rows, indent=1).encode()


def _object_store_note(include: bool) -> dict:
    conf = settings.OBJECT_STORE
    if conf.get("ENDPOINT_URL"):
        return {"kind": "s3", "endpoint": conf["ENDPOINT_URL"], "bucket": conf["BUCKET"]}
    return {"kind": "filesystem", "included": include}


def _members(tar_root: Path) -> dict[str, str]:
    return {
        path.relative_to(tar_root).as_posix(): file_sha256(path)
        for path in sorted(tar_root.rglob("*"))
        if path.is_file()
    }


def backup_make(work: Path) -> Path:
    """Build `hoso-backup-<UTC>.tar.gz` (0600) in `work` and return its path."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = work / f"hoso-backup-{stamp}-{secrets.token_hex(3)}.tar.gz"
    root = work / "content"
    root.mkdir()
    dump = _dump_database(root)
    (root / "archive-index.json").write_bytes(_index_json())
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.copytree(media, root / "media")
    # With the filesystem store the objects exist nowhere else: always included.
    on_s3 = bool(settings.OBJECT_STORE.get("ENDPOINT_URL"))
    objects = Path(settings.OBJECT_STORE["LOCAL_ROOT"])
    if not on_s3 and objects.exists():
        shutil.copytree(objects, root / "objects", ignore=shutil.ignore_patterns("*.part"))
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": {"engine": "sqlite" if dump.suffix == ".sqlite3" else "postgresql"},
        "object_store": _object_store_note(not on_s3),
        "files": _members(root),
    }
    fd = os.open(archive, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for child in sorted(root.iterdir()):
            tar.add(child, arcname=child.name)
        data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(data), 0o600
        tar.addfile(info, io.BytesIO(data))
    return archive


def backup(
    primary: Path | str, *, second: str | None = None, require_two: bool = False
) -> BackupResult:
    """Make one backup and write it to the primary target and, when configured, the
    second; each copy is read back and its SHA-256 checked against the archive made."""
    result = BackupResult()
    with tempfile.TemporaryDirectory(prefix="hoso-backup-") as tmp:
        archive = backup_make(Path(tmp))
        digest = file_sha256(archive)
        result.copies.append(target_for(str(primary)).write(archive, digest))
        logger.info("Backup written to %s (sha256 %s)", result.copies[0].location, digest)
        if second:
            copy = target_for(second).write(archive, digest)
            result.copies.append(copy)
            logger.info("Second backup copy written to %s", copy.location)
        else:
            result.only_one_copy = True
            logger.warning("Only one backup copy exists: no second target is configured")
    return result


# --- restore --------------------------------------------------------------------------------


def _corrupt(location: str, why: str) -> BackupError:
    logger.error("Backup %s refused: %s", location, why)
    return BackupError(
        _("Bản sao lưu %(path)s bị hỏng hoặc không đầy đủ (%(why)s): không khôi phục gì.")
        % {"path": location, "why": why}
    )


def _verified_extract(source: str, work: Path, expected: str | None) -> tuple[Path, dict, str]:
    """Fetch the copy, check its SHA-256 and its manifest; return the extracted folder,
    the manifest and the digest. Nothing outside `work` is touched."""
    target, name = source_for(source)
    local, sidecar = target.fetch(name, work)
    want = (expected or sidecar or "").lower()
    if not want:
        raise _corrupt(source, _("thiếu tệp %(name)s.sha256") % {"name": name})
    got = file_sha256(local)
    if got != want:
        raise _corrupt(source, _("SHA-256 %(got)s, cần %(want)s") % {"got": got, "want": want})
    root = work / "content"
    try:
        with tarfile.open(local, "r:gz") as tar:
            tar.extractall(root, filter="data")
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, tarfile.TarError, ValueError) as exc:
        raise _corrupt(source, str(exc)) from exc
    (root / MANIFEST).unlink()
    listed = manifest.get("files", {})
    if _members(root) != listed:
        raise _corrupt(source, _("nội dung khác bảng kê manifest.json"))
    return root, manifest, got


def _restore_database(root: Path) -> None:
    db = _db()
    connections.close_all()
    try:
        _replace_database(root, db)
    finally:
        # Content type ids cached in this process may be those of the replaced database.
        ContentType.objects.clear_cache()


def _replace_database(root: Path, db: dict) -> None:
    if (root / "db.sqlite3").exists():
        source, dest = sqlite3.connect(str(root / "db.sqlite3")), sqlite3.connect(str(db["NAME"]))
        try:
            with dest:
                source.backup(dest)
        finally:
            source.close()
            dest.close()
        return
    _run(
        ["pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner",
         "-d", db["NAME"], *_pg_args(db), str(root / "db.pgdump")],
        db,
    )  # fmt: skip


def _restore_objects(folder: Path, destination: Path) -> int:
    """Put back every object missing or different; archive objects stay read-only."""
    written = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        target = destination / path.relative_to(folder)
        if target.exists() and file_sha256(target) == file_sha256(path):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.part")
        shutil.copyfile(path, temp)
        temp.chmod(0o444)
        os.replace(temp, target)
        written += 1
    return written


def restore(source: Path | str, *, expected_sha256: str | None = None) -> str:
    """Replace the database, media and filesystem objects with a backup's, from either
    copy (a path or an s3:// URL). Stop the application and workers first. The copy's
    SHA-256 (its .sha256 file, or `expected_sha256`) and its manifest are checked
    before anything is replaced. Returns the verified digest."""
    source = str(source)
    with tempfile.TemporaryDirectory(prefix="hoso-restore-") as tmp:
        root, manifest, digest = _verified_extract(source, Path(tmp), expected_sha256)
        engine = "sqlite" if _is_sqlite(_db()) else "postgresql"
        if manifest.get("database", {}).get("engine") != engine:
            raise _corrupt(source, _("cơ sở dữ liệu của bản sao không phải %(e)s") % {"e": engine})
        _restore_database(root)
        if (root / "media").exists():
            shutil.copytree(root / "media", Path(settings.MEDIA_ROOT), dirs_exist_ok=True)
        if (root / "objects").exists():
            count = _restore_objects(root / "objects", Path(settings.OBJECT_STORE["LOCAL_ROOT"]))
            logger.info("Restored %d archive object(s)", count)
    logger.info("Restored from %s (sha256 %s)", source, digest)
    return digest
