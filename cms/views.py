"""Error handlers (handler500 in cms/urls.py)."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from cms import faults


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 view, except for faults of the servers underneath (database down,
    disk full): those answer the 503 page, whichever middleware met them."""
    exc = sys.exc_info()[1]
    kind = faults.classify(exc)
    if kind is not None and exc is not None:
        return faults.fault_response(request, kind, exc)
    return defaults.server_error(request)
