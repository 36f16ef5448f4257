"""Where a hit links to.

Staff and inspectors go to the workflow's read-only record view
(`workflow_record`, /admin/ho-so/<id>/), which every reader allowed the record
can open, rather than the Wagtail editor, which an inspector may not. The
public (anonymous visitors, accounts without a role) only ever finds published
school plans, and goes to the page on the public site.

The signed PDF belongs to the archive app, which search must not import
(DESIGN.md: archive and search do not import each other). The seam is a
setting: HOSO_SEARCH["SIGNED_PDF_URLS"] names a callable that the archive app
provides, answering a whole page of hits in one query; without it no hit has a PDF
link.
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


def _resolver(name: str) -> Callable | None:
    path = settings.HOSO_SEARCH.get(name)
    return import_string(path) if path else None


def signed_pdf_urls(hits: Sequence[SearchHit]) -> list[str | None]:
    """The signed PDF of each approved version shown, when the archive has one.

    A page of hits asks the archive once, through SIGNED_PDF_URLS (a callable
    `(pairs: list[tuple[int, int | None]]) -> dict[pair, url]`)."""
    wanted = [(hit.page_id, hit.revision_id) for hit in hits if hit.variant == APPROVED]
    resolve = _resolver("SIGNED_PDF_URLS")
    if not wanted or resolve is None:
        return [None] * len(hits)
    urls = resolve(wanted)
    return [
        urls.get((hit.page_id, hit.revision_id)) if hit.variant == APPROVED else None
        for hit in hits
    ]
