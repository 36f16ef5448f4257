"""Object storage for the archive: the only module that imports boto3.

Two backends with one small interface. Both refuse to overwrite a key: a new
version of a record is a new key. On S3 the bucket also keeps versions and,
when it was created with Object Lock, every object gets a retention date, so
not even a leaked key can delete it before then.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import functools
import hashlib
import logging
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings

logger = logging.getLogger(__name__)


class StorageUnavailable(Exception):
    """The store cannot be reached now: retry later."""


class StorageFull(StorageUnavailable):
    """The filesystem under the store has no space left: retry once space is freed."""


class ObjectExists(Exception):
    """The key is taken; archive objects are never overwritten."""


@dataclass(frozen=True)
class PutResult:
    key: str
    version_id: str
    retain_until: dt.datetime | None


class ObjectStore(Protocol):
    def put(self, key: str, data: bytes, *, content_type: str) -> PutResult: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def keys(self, prefix: str) -> Iterator[str]: ...


def _retain_until() -> dt.datetime:
    days = int(settings.ARCHIVE["OBJECT_LOCK_DAYS"])
    return dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=days)


class FileSystemStore:
    """Files under OBJECT_STORE['LOCAL_ROOT'], created exclusively and made read-only.

    An object is complete or absent: it is written to a temporary name beside its key,
    synced, then hard-linked to the key (which fails if the key exists, so nothing is
    overwritten). A full disk or a crash mid-write leaves no truncated PDF under a key,
    where a later attempt would find it and the verification would call it damaged.
    """

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"key escapes the store: {key}")
        return path

    def put(self, key: str, data: bytes, *, content_type: str) -> PutResult:
        path = self._path(key)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(temp, path)
            except FileExistsError as exc:
                raise ObjectExists(key) from exc
            fsync_directory(path.parent)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                logger.error(
                    "Object store %s is full: %s not written (%s); the job will retry",
                    self.root,
                    key,
                    exc.strerror,
                )
                raise StorageFull(f"no space left on the object store writing {key}") from exc
            raise StorageUnavailable(f"writing {key}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return PutResult(key=key, version_id="", retain_until=None)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise StorageUnavailable(str(exc)) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.root
        # Walk only the prefix's folder, not the whole archive.
        folder = (base / prefix.rsplit("/", 1)[0]) if "/" in prefix else base
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):  # skip a write in progress
                key = path.relative_to(base).as_posix()
                if key.startswith(prefix):
                    yield key


class S3Store:
    """Any S3 API. Creates the bucket with versioning and Object Lock when missing."""

    def __init__(self, config: dict) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = config["BUCKET"]
        self.client = boto3.client(
            "s3",
            endpoint_url=config["ENDPOINT_URL"],
            aws_access_key_id=config["ACCESS_KEY_ID"],
            aws_secret_access_key=config["SECRET_ACCESS_KEY"],
            region_name=config["REGION"],
            config=Config(
                s3={"addressing_style": "path"},
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=5,
                read_timeout=30,
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        self._lock_enabled: bool | None = None

    def _errors(self):
        from botocore.exceptions import BotoCoreError, ClientError

        return BotoCoreError, ClientError

    def _call(self, name: str, **kwargs):
        boto_error, client_error = self._errors()
        try:
            return getattr(self.client, name)(**kwargs)
        except client_error:
            raise
        except boto_error as exc:
            raise StorageUnavailable(f"{name}: {exc}") from exc

    def ensure_bucket(self) -> None:
        _, client_error = self._errors()
        try:
            self._call("head_bucket", Bucket=self.bucket)
        except client_error:
            self._call("create_bucket", Bucket=self.bucket, ObjectLockEnabledForBucket=True)
            logger.info("Created bucket %s with Object Lock", self.bucket)
        try:
            self._call(
                "put_bucket_versioning",
                Bucket=self.bucket,
                VersioningConfiguration={"Status": "Enabled"},
            )
        except client_error as exc:
            logger.warning("Bucket %s: versioning not enabled: %s", self.bucket, exc)

    def lock_enabled(self) -> bool:
        if self._lock_enabled is None:
            _, client_error = self._errors()
            try:
                conf = self._call("get_object_lock_configuration", Bucket=self.bucket)
                enabled = conf.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled")
                self._lock_enabled = enabled == "Enabled"
            except client_error:
                self._lock_enabled = False
        return self._lock_enabled

    def exists(self, key: str) -> bool:
        _, client_error = self._errors()
        try:
            self._call("head_object", Bucket=self.bucket, Key=key)
            return True
        except client_error as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise StorageUnavailable(str(exc)) from exc

    def put(self, key: str, data: bytes, *, content_type: str) -> PutResult:
        self.ensure_bucket()
        if self.exists(key):
            raise ObjectExists(key)
        extra: dict = {}
        retain_until = None
        if self.lock_enabled():
            retain_until = _retain_until()
            extra = {
                "ObjectLockMode": settings.ARCHIVE["OBJECT_LOCK_MODE"],
                "ObjectLockRetainUntilDate": retain_until,
            }
        _, client_error = self._errors()
        try:
            response = self._call(
                "put_object",
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ContentMD5=base64.b64encode(hashlib.md5(data).digest()).decode(),
                **extra,
            )
        except client_error as exc:
            raise StorageUnavailable(f"put {key}: {exc}") from exc
        return PutResult(
            key=key, version_id=response.get("VersionId", "") or "", retain_until=retain_until
        )

    def get(self, key: str) -> bytes:
        _, client_error = self._errors()
        try:
            return self._call("get_object", Bucket=self.bucket, Key=key)["Body"].read()
        except client_error as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(key) from exc
            raise StorageUnavailable(str(exc)) from exc

    def keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def versions(self, key: str) -> list[dict]:
        response = self._call("list_object_versions", Bucket=self.bucket, Prefix=key)
        return [v for v in response.get("Versions", []) if v["Key"] == key]

    def delete_version(self, key: str, version_id: str) -> None:
        """Only for tests and administrators: Object Lock must refuse it."""
        self._call("delete_object", Bucket=self.bucket, Key=key, VersionId=version_id)


def fsync_directory(path: Path) -> None:
    """Make the new name itself durable, not only the file's bytes."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _config_signature() -> tuple:
    conf = settings.OBJECT_STORE
    return tuple(sorted((k, str(v)) for k, v in conf.items()))


@functools.lru_cache(maxsize=4)
def _store_for(signature: tuple) -> ObjectStore:
    conf = dict(signature)
    if conf.get("ENDPOINT_URL") and conf["ENDPOINT_URL"] != "None":
        return S3Store(settings.OBJECT_STORE)
    return FileSystemStore(settings.OBJECT_STORE["LOCAL_ROOT"])


def get_store() -> ObjectStore:
    """The configured store (cached per configuration, so tests can switch)."""
    return _store_for(_config_signature())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
