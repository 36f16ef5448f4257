"""Refused accesses are evidence (R16): every PermissionDenied raised while serving a
request is appended to the audit chain of the user's school before Django answers."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext

from workflow.audit import audit_append, client_ip

logger = logging.getLogger(__name__)


class RefusedAccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _wagtail_refused(request):
            self._log(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            self._log(request)
        return None

    @staticmethod
    def _log(request) -> None:
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        profile = getattr(user, "staff_profile", None) if authenticated else None
        try:
            audit_append(
                action="access.refused",
                school_id=getattr(profile, "school_id", None),
                actor=user if authenticated else None,
                object_type="url",
                object_id=request.path[:40],
                summary=f"{request.method} {request.path}"[:300],
                ip=client_ip(request),
            )
        except Exception:  # noqa: BLE001 - a failing log must not turn a 403 into a 500
            logger.exception("Could not log a refused access to %s", request.path)


def _wagtail_refused(request) -> bool:
    """Wagtail's admin turns PermissionDenied into a redirect with this message
    (wagtail.admin.auth.permission_denied), so the exception never reaches us."""
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", None) or []
    english = "Sorry, you do not have permission to access this area."
    denied = {english, gettext(english)}
    return any(any(text in str(message) for text in denied) for message in queued)
