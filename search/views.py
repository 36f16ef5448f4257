"""The search screen (admin) and the JSON endpoint. Both read through
search.selectors, which applies the asker's scope; neither decides access."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from search.backends.base import SearchUnavailable
from search.forms import SearchForm
from search.links import hit_urls, signed_pdf_urls
from search.selectors import search_records
from search.types import FACETS, SearchResults

logger = logging.getLogger(__name__)

FACET_TITLES = {
    "school": gettext_lazy("Trường"),
    "year": gettext_lazy("Năm học"),
    "record_type": gettext_lazy("Loại hồ sơ"),
    "state": gettext_lazy("Trạng thái"),
    "grade": gettext_lazy("Khối"),
    "subject": gettext_lazy("Môn học"),
}


def _run(request: HttpRequest) -> tuple[SearchForm, SearchResults | None]:
    form = SearchForm(request.GET)
    try:
        return form, search_records(user=request.user, query=form.to_query())
    except SearchUnavailable:
        logger.warning("Search engine unavailable for a query", exc_info=True)
        return form, None


@require_GET
def search_screen(request: HttpRequest) -> HttpResponse:
    form, results = _run(request)
    query = form.to_query()
    selected = {
        "school": {str(v) for v in query.filters.school_ids},
        "year": set(query.filters.years),
        "record_type": set(query.filters.record_types),
        "state": set(query.filters.states),
        "grade": {str(v) for v in query.filters.grades},
        "subject": set(query.filters.subjects),
    }
    facets = []
    hits = []
    if results is not None:
        facets = [
            {
                "name": name,
                "title": str(FACET_TITLES[name]),
                "values": [
                    {"facet": f, "selected": f.value in selected[name]}
                    for f in results.facets.get(name, [])
                ],
            }
            for name in FACETS
        ]
        urls = hit_urls(results.hits, public=results.public, request=request)
        pdfs = signed_pdf_urls(results.hits)
        hits = [
            {"hit": hit, "url": url, "pdf_url": pdf}
            for hit, url, pdf in zip(results.hits, urls, pdfs, strict=True)
        ]
    params = request.GET.copy()
    params.pop("page", None)
    return TemplateResponse(
        request,
        "search/search.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "hits": hits,
            "facets": facets,
            "base_params": params.urlencode(),
            "unavailable": results is None,
        },
        # The screen still renders (with its message) but says 503, as the JSON does.
        status=503 if results is None else 200,
    )


@require_GET
def search_json(request: HttpRequest) -> JsonResponse:
    form, results = _run(request)
    if results is None:
        return JsonResponse({"error": _("Máy chủ tìm kiếm tạm thời không phản hồi.")}, status=503)
    urls = hit_urls(results.hits, public=results.public, request=request)
    pdfs = signed_pdf_urls(results.hits)
    return JsonResponse(
        {
            "total": results.total,
            "page": results.page,
            "per_page": results.per_page,
            "num_pages": results.num_pages,
            "hits": [
                {
                    "page_id": hit.page_id,
                    "version": hit.variant,
                    "title": hit.title,
                    "snippet": hit.snippet,
                    "record_type": hit.record_type,
                    "state": hit.state,
                    "school_id": hit.school_id,
                    "school_name": hit.school_name,
                    "school_year": hit.school_year,
                    "date": hit.date.isoformat() if hit.date else None,
                    "url": url,
                    "signed_pdf_url": pdf,
                }
                for hit, url, pdf in zip(results.hits, urls, pdfs, strict=True)
            ],
            "facets": {
                name: [{"value": f.value, "label": f.label, "count": f.count} for f in values]
                for name, values in results.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )
