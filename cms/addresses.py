"""The site's public address as printed on paper (cms/env.py reads it)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def qr_base(url: str | None, production: bool = False) -> str:
    """The base of every record's QR code and verification link (ARCHIVE's
    PUBLIC_BASE_URL), without a trailing slash. Production refuses an address no reader
    of the paper can reach (loopback, no http(s) scheme): every PDF frozen with it would
    carry it for good."""
    url = (url or "").rstrip("/")
    if production:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        unreachable = host in _LOOPBACK_HOSTS or host.startswith("127.")
        if parts.scheme not in ("http", "https") or unreachable:
            raise ImproperlyConfigured(
                "The public address printed in QR codes and verification links must be the "
                "site's real address (WAGTAILADMIN_BASE_URL, or ARCHIVE_PUBLIC_BASE_URL when "
                f"it differs), e.g. https://hoso.example.edu.vn (got {url!r})."
            )
    return url
