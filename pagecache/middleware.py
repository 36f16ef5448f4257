"""Serve rendered public pages to anonymous visitors from the shared page cache.

Placed before the session and authentication middleware: a hit costs one cache read
and no session, user or page query. Only these requests take part:

- GET or HEAD, no query string, no Authorization header;
- no session cookie at all: a request carrying one (a logged-in user, or any session)
  is never answered from the cache and never fills it;
- not under an excluded prefix (admin, documents, APIs, search, verification, files).

A response is stored only when Wagtail served a page and every before_serve_page guard
let it through (pagecache.wagtail_hooks marks the request, registered last), with
status 200, no cookie set, not streaming and nothing forbidding caching. A 404 is never
stored, so a newly published page shows at once. Stored responses (and hits) carry
Cache-Control: public, max-age=PAGECACHE["MAX_AGE"] for a reverse proxy.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from pagecache import conf, store

logger = logging.getLogger(__name__)

MARK = "_pagecache_servable"
_UNCACHEABLE = ("private", "no-store", "no-cache")
# Never replayed from the cache (set again by the outer middleware or the server).
_SKIPPED_HEADERS = {"set-cookie", "date"}


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = tuple(conf.get("EXCLUDED_PREFIXES"))

    def __call__(self, request):
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        try:
            generation, entry = store.lookup(key)
        except Exception:
            logger.exception("Page cache unavailable; serving without it")
            return self.get_response(request)
        if entry is not None:
            return self._replay(request, entry)
        response = self.get_response(request)
        if request.method == "GET" and self._storable(request, response):
            self._mark_public(response)
            try:
                store.save(
                    key,
                    store.current_generation(generation),
                    response.status_code,
                    [(k, v) for k, v in response.items() if k.lower() not in _SKIPPED_HEADERS],
                    response.content,
                )
            except Exception:
                logger.exception("Page cache write failed")
            response["X-Page-Cache"] = "miss"
        return response

    def _key(self, request) -> str | None:
        if not conf.get("ENABLED") or request.method not in ("GET", "HEAD"):
            return None
        if request.META.get("QUERY_STRING") or "HTTP_AUTHORIZATION" in request.META:
            return None
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return None
        if request.path.startswith(self.prefixes):
            return None
        try:
            host = request.get_host()
        except DisallowedHost:
            return None  # Django answers 400 further in
        return store.entry_key(request.scheme, host, request.path)

    @staticmethod
    def _storable(request, response) -> bool:
        if not getattr(request, MARK, False) or response.status_code != 200:
            return False
        if response.streaming or response.cookies or response.has_header("Set-Cookie"):
            return False
        control = response.get("Cache-Control", "").lower()
        return not any(word in control for word in _UNCACHEABLE)

    @staticmethod
    def _mark_public(response) -> None:
        patch_cache_control(response, public=True, max_age=conf.get("MAX_AGE"))
        patch_vary_headers(response, ("Cookie",))

    @staticmethod
    def _replay(request, entry) -> HttpResponse:
        _generation, status, headers, content = entry
        response = HttpResponse(b"" if request.method == "HEAD" else content, status=status)
        for name, value in headers:
            response[name] = value
        response["Content-Length"] = str(len(content))
        response["X-Page-Cache"] = "hit"
        return response
