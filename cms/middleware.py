"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cms import faults


class FaultPageMiddleware:
    """A view that fails because the database is down or the disk is full answers the
    Vietnamese 503 page instead of a server error. Failures outside the view (a
    middleware loading the session) reach cms.views.server_error, which does the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = faults.classify(exception)
        if kind is None:
            return None
        return faults.fault_response(request, kind, exception)
