"""Public views: the signed PDF of a published plan and the search page.

Both read through reports.public.selectors; an anonymous visitor never
reaches anything those selectors do not call public.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from reports.public.selectors import published_plans

logger = logging.getLogger(__name__)


@require_GET
def plan_pdf(request: HttpRequest, page_id: int) -> HttpResponse:
    from archive import storage
    from archive.selectors import latest_archived

    plan = published_plans().filter(pk=page_id).first()
    row = latest_archived(page_id) if plan is not None else None
    if row is None:
        raise Http404
    try:
        data = storage.get_store().get(row.key)
    except storage.StorageUnavailable:
        logger.warning("Archive store unavailable for the public PDF of page %s", page_id)
        return TemplateResponse(request, "reports/public/unavailable.html", status=503)
    response = HttpResponse(data, content_type="application/pdf")
    name = (
        f"ke-hoach-giao-duc-{plan.school.code.lower()}-{plan.school_year.name}-v{row.version}.pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    from search.backends.base import SearchUnavailable
    from search.scope import published_types
    from search.selectors import search_records
    from search.types import SearchFilters, SearchQuery

    text = (request.GET.get("q") or "").strip()[:300]
    hits, unavailable = [], False
    if text:
        query = SearchQuery(
            text=text, filters=SearchFilters(record_types=published_types()), per_page=50
        )
        try:
            # Always the public scope, even for a signed-in visitor: this is the public site.
            results = search_records(user=AnonymousUser(), query=query)
        except SearchUnavailable:
            logger.warning("Search unavailable for a public query")
            results, unavailable = None, True
        if results is not None:
            plans = published_plans().in_bulk([hit.page_id for hit in results.hits])
            hits = [
                {"hit": hit, "page": plans[hit.page_id]}
                for hit in results.hits
                if hit.page_id in plans
            ]
    return TemplateResponse(
        request,
        "reports/public/search.html",
        {"q": text, "hits": hits, "unavailable": unavailable},
        status=503 if unavailable else 200,
    )
