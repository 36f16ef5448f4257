"""What the public verification page lets one anonymous visitor cost the server.

A quota per client address over a fixed window, counted in the shared cache (the
page cache's database or Redis cache, so every worker and host counts together),
and an upload handler that stops reading a body past the size cap. The verifier's
own bounds on one PDF are signing.ValidationLimits (verification.upload_limits).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

logger = logging.getLogger(__name__)

# Room for the multipart framing and the form's other fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class Quota:
    allowed: bool
    retry_after: int  # seconds until the window ends


def quota_hit(*, scope: str, address: str | None, limit: int) -> Quota:
    """Count one request of `address` in the current window. A fixed window: at its
    edge an address may get up to twice the limit in a short time, which is still
    bounded. If the cache cannot be reached the request is allowed (and logged):
    the size and complexity bounds still hold."""
    window = settings.ARCHIVE["VERIFY_WINDOW_SECONDS"]
    now = int(time.time())
    start = now - now % window
    # The address is hashed: the cache is no place to keep visitors' addresses.
    who = hashlib.sha256((address or "unknown").encode()).hexdigest()[:24]
    key = f"archive:quota:{scope}:{who}:{start}"
    try:
        cache = caches[settings.ARCHIVE["THROTTLE_CACHE"]]
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:
        logger.exception("Quota cache unavailable; allowing the request")
        return Quota(True, 0)
    if count > limit:
        logger.warning("Quota %s exceeded by address %s (%d requests)", scope, who, count)
    return Quota(count <= limit, start + window - now)


def upload_cap() -> int:
    return settings.ARCHIVE["UPLOAD_MAX_BYTES"]


def body_too_large(content_length: str | None) -> bool:
    """The declared body is past the cap: refuse before reading it. (Django reads no
    more than CONTENT_LENGTH, and nothing without it, so the declaration binds.)"""
    try:
        declared = int(content_length or 0)
    except ValueError:
        return False
    return declared > upload_cap() + MULTIPART_OVERHEAD


class CappedUploadHandler(FileUploadHandler):
    """First in the chain: stops the parser once a file passes the cap, so that no
    more of the body is read or stored; the view then answers 413."""

    def __init__(self, request=None):
        super().__init__(request)
        self.exceeded = False
        self._received = 0

    def new_file(self, *args, **kwargs):
        self._received = 0
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._received += len(raw_data)
        if self._received > upload_cap():
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int):
        return None  # the next handler (memory or temporary file) builds the file
