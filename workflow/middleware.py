"""Refused accesses are evidence (R16): every PermissionDenied raised while serving a
request is appended to the audit chain of the user's school before Django answers.
And a record saved in the page editor is one transaction (AtomicRecordSaveMiddleware)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext
from wagtail.admin import messages as wagtail_messages

from workflow.audit import audit_append, client_ip

logger = logging.getLogger(__name__)


class RefusedAccessAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _wagtail_refused(request, response):
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


# Wagtail's admin catches a PermissionDenied raised by its views and answers with a
# redirect to the dashboard and this error message (wagtail.admin.auth.permission_denied),
# so the exception never reaches process_exception. Both are all Wagtail gives.
WAGTAIL_REFUSAL = "Sorry, you do not have permission to access this area."


def _wagtail_refused(request, response) -> bool:
    """Did Wagtail's admin refuse this request? Its refusal is a redirect to the
    dashboard carrying exactly its refusal message, in any admin language. A message
    that merely quotes that sentence (a record titled with it) is not one."""
    if response.status_code != 302 or response.get("Location") != reverse("wagtailadmin_home"):
        return False
    storage = messages.get_messages(request)
    used = storage.used
    try:
        return any(
            message.level == messages.ERROR and str(message.message) in _refusal_texts()
            for message in storage
        )
    finally:
        # Reading the messages must not consume them: the dashboard still shows them.
        storage.used = used


def _refusal_texts() -> frozenset[str]:
    """Wagtail's refusal as its message renderer writes it, in every language the admin
    may speak (the request's, or the user's preferred one inside Wagtail's views)."""
    codes = {code for code, _name in settings.LANGUAGES}
    codes |= {code for code, _name in getattr(settings, "WAGTAILADMIN_PERMITTED_LANGUAGES", [])}
    texts = set()
    for code in codes:
        with translation.override(code):
            texts.add(str(wagtail_messages.render(gettext(WAGTAIL_REFUSAL), None)))
    return frozenset(texts)


EDITOR_VIEWS = frozenset({"wagtailadmin_pages:edit", "wagtailadmin_pages:add"})


class AtomicRecordSaveMiddleware:
    """A save in Wagtail's page editor is all or nothing.

    Wagtail commits the new revision in its own transaction and only then runs the
    after_edit_page / after_create_page hooks, where the record's state row and its
    audit entry are written (workflow.wagtail_hooks). A database failure between the
    two would keep an edit that the audit chain never saw, while the user is told that
    nothing was saved. Wrapping the editor's POST in one transaction makes Wagtail's
    block a savepoint; an answer of 500 or more rolls everything back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not _is_editor(request.path_info):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response


def _is_editor(path: str) -> bool:
    try:
        return resolve(path).view_name in EDITOR_VIEWS
    except Resolver404:
        return False
