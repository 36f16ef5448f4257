"""Where a backup is written and read back: a directory or an S3 bucket.

Thông tư 02/2019/TT-BNV asks for two copies on independent media, so a backup is
written to two targets. Each write is complete or absent under its final name: a
directory gets a temporary name, synced, read back from the disk and renamed; S3
makes an upload visible only once it completes, and the copy is read back from the
bucket before its digest file is written. The `<name>.sha256` beside each copy
(`sha256sum -c` reads it) marks the copy complete; restore requires it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlparse

from django.conf import settings
from django.utils.translation import gettext as _

from archive import storage

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
SIDECAR = ".sha256"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the administrator."""


@dataclass(frozen=True)
class StoredCopy:
    location: str  # a path or an s3:// URL
    sha256: str


class BackupTarget(Protocol):
    def write(self, archive: Path, digest: str) -> StoredCopy: ...
    def fetch(self, name: str, into: Path) -> tuple[Path, str | None]: ...


def sha256_of(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of(handle)


def sidecar_text(digest: str, name: str) -> str:
    return f"{digest}  {name}\n"


def parse_sidecar(text: str) -> str | None:
    """The digest of a `sha256sum` line, or None when it is not one."""
    first = text.strip().split()[:1]
    if first and len(first[0]) == 64 and all(c in "0123456789abcdef" for c in first[0].lower()):
        return first[0].lower()
    return None


def _disk_sha256(path: Path) -> str:
    """Read back from the medium, not from the page cache the write just filled."""
    with path.open("rb") as handle:
        with contextlib.suppress(AttributeError, OSError):
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
        return sha256_of(handle)


class DirectoryTarget:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return str(self.path)

    def _write_exclusive(self, final: Path, fill) -> Path:
        """Write through `fill(handle)` to a temporary name beside `final`; return it."""
        temp = final.with_name(f".{final.name}.{secrets.token_hex(6)}.part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        return temp

    def write(self, archive: Path, digest: str) -> StoredCopy:
        final = self.path / archive.name
        temp: Path | None = None
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if final.exists():
                raise BackupError(_("Đã có bản sao lưu trùng tên: %(path)s.") % {"path": final})
            with archive.open("rb") as source:
                temp = self._write_exclusive(final, lambda out: shutil.copyfileobj(source, out))
            read_back = _disk_sha256(temp)
            if read_back != digest:
                logger.error("Backup copy %s reads back %s, expected %s", final, read_back, digest)
                raise BackupError(
                    _("Bản sao tại %(path)s đọc lại không khớp SHA-256 (%(got)s, cần %(want)s).")
                    % {"path": final, "got": read_back, "want": digest}
                )
            os.rename(temp, final)
            temp = None
            side = final.with_name(final.name + SIDECAR)
            text = sidecar_text(digest, final.name).encode()
            side_temp = self._write_exclusive(side, lambda out: out.write(text))
            os.rename(side_temp, side)
            storage.fsync_directory(self.path)
        except OSError as exc:
            logger.error("Backup copy to %s failed: %s", self.path, exc)
            raise BackupError(
                _("Không ghi được bản sao lưu vào %(path)s: %(error)s.")
                % {"path": self.path, "error": exc.strerror or exc}
            ) from exc
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    temp.unlink()
        return StoredCopy(location=str(final), sha256=digest)

    def fetch(self, name: str, into: Path) -> tuple[Path, str | None]:
        path = self.path / name
        if not path.is_file():
            raise BackupError(_("Không tìm thấy bản sao lưu: %(path)s.") % {"path": path})
        side = path.with_name(path.name + SIDECAR)
        return path, parse_sidecar(side.read_text()) if side.is_file() else None


class S3Target:
    """A bucket reached with the object store's S3 settings unless the backup's own
    (ARCHIVE['BACKUP_SECOND_S3']) are given: another provider, another key."""

    def __init__(self, bucket: str, prefix: str) -> None:
        own = {k: v for k, v in settings.ARCHIVE.get("BACKUP_SECOND_S3", {}).items() if v}
        config = {**settings.OBJECT_STORE, **own, "BUCKET": bucket}
        if not config.get("ENDPOINT_URL"):
            raise BackupError(
                _(
                    "Bản sao lưu thứ hai trên S3 cần địa chỉ máy chủ S3 "
                    "(ARCHIVE_BACKUP_SECOND_S3_ENDPOINT_URL hoặc S3_ENDPOINT_URL)."
                )
            )
        self.bucket, self.prefix = bucket, prefix
        self.store = storage.S3Store(config)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def _url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def write(self, archive: Path, digest: str) -> StoredCopy:
        key = self.prefix + archive.name
        client = self.store.client
        try:
            self.store.ensure_bucket()
            if self.store.exists(key):
                raise BackupError(_("Đã có bản sao lưu trùng tên: %(path)s.") % {"path": key})
            # A (multipart) upload appears under its key only once complete.
            client.upload_file(
                str(archive), self.bucket, key, ExtraArgs={"ContentType": "application/gzip"}
            )
            body = client.get_object(Bucket=self.bucket, Key=key)["Body"]
            read_back = sha256_of(body)
            if read_back != digest:
                logger.error("Backup copy %s reads back %s, expected %s", key, read_back, digest)
                with contextlib.suppress(Exception):  # a locked bucket may refuse; logged above
                    client.delete_object(Bucket=self.bucket, Key=key)
                raise BackupError(
                    _("Bản sao tại %(path)s đọc lại không khớp SHA-256 (%(got)s, cần %(want)s).")
                    % {"path": self._url(key), "got": read_back, "want": digest}
                )
            client.put_object(
                Bucket=self.bucket,
                Key=key + SIDECAR,
                Body=sidecar_text(digest, archive.name).encode(),
                ContentType="text/plain",
            )
        except BackupError:
            raise
        except Exception as exc:  # noqa: BLE001 - boto3 and botocore raise many kinds
            logger.error("Backup copy to %s failed: %s", self._url(key), exc)
            raise BackupError(
                _("Không ghi được bản sao lưu vào %(path)s: %(error)s.")
                % {"path": self._url(key), "error": exc}
            ) from exc
        return StoredCopy(location=self._url(key), sha256=digest)

    def fetch(self, name: str, into: Path) -> tuple[Path, str | None]:
        key = self.prefix + name
        local = into / Path(name).name
        client = self.store.client
        try:
            client.download_file(self.bucket, key, str(local))
        except Exception as exc:  # noqa: BLE001 - boto3 and botocore raise many kinds
            logger.error("Backup %s could not be read: %s", self._url(key), exc)
            raise BackupError(
                _("Không đọc được bản sao lưu %(path)s: %(error)s.")
                % {"path": self._url(key), "error": exc}
            ) from exc
        try:
            side = client.get_object(Bucket=self.bucket, Key=key + SIDECAR)["Body"].read()
        except Exception:  # noqa: BLE001 - a missing digest file is reported by the caller
            return local, None
        return local, parse_sidecar(side.decode(errors="replace"))


def target_for(spec: str) -> BackupTarget:
    """A target from its setting: `s3://bucket/prefix` or a directory path."""
    if spec.startswith("s3://"):
        url = urlparse(spec)
        if not url.netloc:
            raise BackupError(_("Địa chỉ S3 thiếu tên bucket: %(spec)s.") % {"spec": spec})
        prefix = url.path.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return S3Target(url.netloc, prefix)
    return DirectoryTarget(Path(spec))


def source_for(spec: str) -> tuple[BackupTarget, str]:
    """The target holding a backup named by its path or s3:// URL, and its name."""
    if spec.startswith("s3://"):
        url = urlparse(spec)
        key = url.path.lstrip("/")
        folder, _sep, name = key.rpartition("/")
        if not url.netloc or not name:
            raise BackupError(
                _("Địa chỉ S3 của bản sao lưu không hợp lệ: %(spec)s.") % {"spec": spec}
            )
        return S3Target(url.netloc, f"{folder}/" if folder else ""), name
    path = Path(spec)
    return DirectoryTarget(path.parent), path.name
