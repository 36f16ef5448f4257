"""Where a hit links to.

Staff and inspectors go to the workflow's read-only record view
(`workflow_record`, /admin/ho-so/<id>/), which every reader allowed the record
can open, rather than the Wagtail editor, which an inspector may not. The
public (anonymous visitors, accounts without a role) only ever finds published
school plans, and goes to the page on the public site.

The signed PDF belongs to the archive app, which search must not import
(DESIGN.md: archive and search do not import each other). The seam is a
setting: HOSO_SEARCH["SIGNED_PDF_URL"] names a callable
`(page_id: int, revision_id: int | None) -> str | None` that the archive app
provides; until then no hit has a PDF link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from wagtail.models import Page

from search.types import APPROVED, SearchHit


def record_url(hit: SearchHit) -> str:
    """The record's read-only view in the admin (the workflow checks who may open it)."""
    return reverse("workflow_record", args=[hit.page_id])


def public_urls(hits: Sequence[SearchHit], request=None) -> dict[int, str | None]:
    """The public page URL of each hit, in one query; None when the page is not live."""
    pages = Page.objects.live().filter(pk__in=[hit.page_id for hit in hits])
    return {page.pk: page.get_url(request=request) for page in pages}


def hit_urls(hits: Sequence[SearchHit], *, public: bool, request=None) -> list[str | None]:
    """The link of each hit: the public page for the public, else the record view."""
    if not public:
        return [record_url(hit) for hit in hits]
    urls = public_urls(hits, request)
    return [urls.get(hit.page_id) for hit in hits]


def _resolver() -> Callable[[int, int | None], str | None] | None:
    path = settings.HOSO_SEARCH.get("SIGNED_PDF_URL")
    return import_string(path) if path else None


def signed_pdf_url(hit: SearchHit) -> str | None:
    """The signed PDF of the approved version shown, when the archive has one."""
    resolver = _resolver()
    if resolver is None or hit.variant != APPROVED:
        return None
    return resolver(hit.page_id, hit.revision_id)
