"""Answers for faults of the servers under the application (README, "Faults and recovery").

A database that is restarting or unreachable, or a full disk, is not a bug in the
request: the user gets a short Vietnamese page with status 503 and "try again", the
log gets one English line with the traceback, and nothing is left half-written
(record writes are transactions; see workflow.middleware.AtomicRecordSaveMiddleware
for the editor). The page is rendered without the database and without any context
processor, because the database may be the thing that is down.
"""

from __future__ import annotations

import errno
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE = "database"
DISK_FULL = "disk_full"

_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
RETRY_AFTER_SECONDS = 30


def classify(exc: BaseException | None) -> str | None:
    """Which fault an exception is, or None for an ordinary error (a real 500)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OperationalError | InterfaceError):
            return DATABASE
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
            return DISK_FULL
        exc = exc.__cause__ or exc.__context__
    return None


def _messages(kind: str) -> dict[str, str]:
    if kind == DISK_FULL:
        return {
            "title": _("Máy chủ đã hết dung lượng lưu trữ"),
            "message": _(
                "Ổ đĩa lưu tệp của hệ thống đã đầy nên thao tác vừa rồi chưa được lưu. "
                "Dữ liệu đã lưu trước đó vẫn an toàn."
            ),
            "advice": _(
                "Vui lòng báo cán bộ quản trị hệ thống của trường, rồi thử lại sau khi "
                "đã giải phóng dung lượng."
            ),
        }
    return {
        "title": _("Cơ sở dữ liệu tạm thời không hoạt động"),
        "message": _(
            "Máy chủ cơ sở dữ liệu đang tạm thời gián đoạn nên thao tác vừa rồi chưa được "
            "lưu; không có dữ liệu nào bị ghi dở. Dữ liệu đã lưu trước đó vẫn an toàn."
        ),
        "advice": _(
            "Vui lòng thử lại sau ít phút. Nếu lỗi kéo dài, hãy báo cán bộ quản trị hệ thống "
            "của trường."
        ),
    }


# Wagtail's multiple uploaders show `error_message` from a JSON answer with status 200
# and only a generic "upload failed" for any other status, so they get their protocol.
_UPLOADERS = frozenset({"wagtaildocs:add_multiple", "wagtailimages:add_multiple"})


def _is_uploader(request: HttpRequest) -> bool:
    try:
        return resolve(request.path_info).view_name in _UPLOADERS
    except Resolver404:
        return False


def _wants_json(request: HttpRequest) -> bool:
    accept = request.headers.get("accept", "")
    return (
        request.path.rstrip("/").endswith("/json")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
        or (accept.startswith("application/json") and "text/html" not in accept)
    )


def fault_response(request: HttpRequest, kind: str, exc: BaseException) -> HttpResponse:
    """The 503 answer for a fault, logged once in English."""
    logger.error(
        "%s while serving %s %s: answered 503 (%s: %s)",
        "Database unavailable" if kind == DATABASE else "Disk full",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        exc_info=exc,
    )
    texts = _messages(kind)
    if request.method == "POST" and _is_uploader(request):
        return JsonResponse(
            {"success": False, "error_message": f"{texts['title']}. {texts['message']}"}
        )
    if _wants_json(request):
        response: HttpResponse = JsonResponse(
            {"error": f"{texts['title']}. {texts['message']} {texts['advice']}", "fault": kind},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = HttpResponse(render_to_string("503.html", texts), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # logged above, once: not again by django.request
    return response
