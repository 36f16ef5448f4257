"""Settings of the page cache (settings.PAGECACHE, cms/settings/base.py)."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "ENABLED": True,
    "ALIAS": "pagecache",
    "TIMEOUT": 300,
    "MAX_AGE": 60,
    "EXCLUDED_PREFIXES": (),
}


def get(name: str):
    return {**DEFAULTS, **getattr(settings, "PAGECACHE", {})}[name]
