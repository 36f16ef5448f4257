"""Where a hit links to.

The signed PDF belongs to the archive app, which search must not import
(DESIGN.md: archive and search do not import each other). The seam is a
setting: HOSO_SEARCH["SIGNED_PDF_URL"] names a callable
`(page_id: int, revision_id: int | None) -> str | None` that the archive app
provides; until then no hit has a PDF link.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from search.types import SearchHit


def record_url(hit: SearchHit) -> str:
    """The record in the admin (Wagtail checks again who may open it)."""
    return reverse("wagtailadmin_pages:edit", args=[hit.page_id])


def _resolver() -> Callable[[int, int | None], str | None] | None:
    path = settings.HOSO_SEARCH.get("SIGNED_PDF_URL")
    return import_string(path) if path else None


def signed_pdf_url(hit: SearchHit) -> str | None:
    """The signed PDF of the approved version shown, when the archive has one."""
    resolver = _resolver()
    if resolver is None or hit.variant != "approved":
        return None
    return resolver(hit.page_id, hit.revision_id)
