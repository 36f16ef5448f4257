"""The project's own source, for the tests that read it as text (architecture, dead
code, gettext, one place per rule)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The Django apps of the product.
APPS = (
    "accounts",
    "archive",
    "cms",
    "imports",
    "intake",
    "pagecache",
    "recordpages",
    "reports",
    "search",
    "workflow",
)
