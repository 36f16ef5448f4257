"""Admin screens of signing: what waits for my signature (batch signing), and my
certificate. JSON endpoints answer the batch page's script; every one of them asks the
workflow policy per record (signatures.batch), never decides here."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from recordpages.models import StaffProfile
from recordpages.permissions import get_scope
from signatures import batch, binding
from signatures.models import Certificate, KeyHolder

MAX_BODY = 20 * 1024 * 1024


def _staff(request: HttpRequest) -> StaffProfile:
    """The signer's profile as the request's scope already holds it: no query of its own."""
    staff = get_scope(request.user).staff
    if staff is None or staff.school_id is None:
        raise PermissionDenied(_("Chỉ cán bộ của trường mới ký hồ sơ."))
    return staff


def waiting(request: HttpRequest) -> HttpResponse:
    """Hồ sơ chờ tôi ký: grouped by record type, each a row with a checkbox."""
    staff = _staff(request)
    rows = batch.waiting_for(request.user)
    certificate = batch.holder_of(request.user)
    return render(
        request,
        "signatures/waiting.html",
        {
            "page_title": _("Hồ sơ chờ tôi ký"),
            "rows": rows,
            "certificate": certificate,
            "uses_token": certificate is not None and certificate.holder == KeyHolder.TOKEN,
            "staff": staff,
            "agent_url": _agent_url(),
        },
    )


def _agent_url() -> str:
    """hoso-sign-agent's address on the signer's PC, for static/js/hoso-signing.js."""
    return str(settings.SIGNING.get("AGENT_URL") or "")


def _items(request: HttpRequest, key: str = "items") -> list:
    if len(request.body) > MAX_BODY:
        raise ValueError("too large")
    data = json.loads(request.body or b"{}")
    items = data.get(key)
    if not isinstance(items, list):
        raise ValueError("no items")
    return items


def _pairs(items: list) -> list[tuple[int, str]]:
    return [(int(item["page_id"]), str(item["step"])) for item in items]


def _answer(request: HttpRequest, run, *, key: str = "items") -> JsonResponse:
    """Run one batch call on the posted items, a result per record; bad JSON is a 400."""
    _staff(request)
    try:
        posted = _items(request, key)
        items = _pairs(posted) if key == "items" else [a for a in posted if isinstance(a, dict)]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("Yêu cầu ký không hợp lệ.")}, status=400)
    results = run(request.user, items, request=request)
    return JsonResponse({"results": [r.as_dict() for r in results]})


@require_POST
def sign(request: HttpRequest) -> JsonResponse:
    """Sign with what the server holds (an HSM, CSC, the seal) or record the steps."""
    return _answer(request, batch.take_many)


@require_POST
def prepare(request: HttpRequest) -> JsonResponse:
    """The signed attributes of each record, for the signer's token (the agent)."""
    return _answer(request, batch.prepare_many)


@require_POST
def finish(request: HttpRequest) -> JsonResponse:
    """Each record's step taken with the CMS the token made."""
    return _answer(request, batch.finish_many, key="results")


def certificates(request: HttpRequest) -> HttpResponse:
    """My certificate: bind one from a file or from the token (the page reads it from
    the agent and posts its DER), or stop using one."""
    staff = _staff(request)
    if request.method == "POST":
        if request.POST.get("revoke"):
            revoke = request.POST["revoke"]
            if not revoke.isdigit():
                messages.error(request, _("Yêu cầu không hợp lệ."))
                return redirect("signatures_admin:certificates")
            binding.withdraw(staff, int(revoke), by=request.user)
            messages.success(request, _("Đã thôi sử dụng chứng thư số."))
            return redirect("signatures_admin:certificates")
        if request.POST.get("csc_credential"):
            try:
                binding.bind_csc(staff, request.POST["csc_credential"], by=request.user)
            except binding.BindingRefused as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, _("Đã gắn chứng thư số cho %(name)s.") % {"name": staff.full_name}
                )
            return redirect("signatures_admin:certificates")
        data = b""
        if "file" in request.FILES:
            upload = request.FILES["file"]
            data = upload.read(64 * 1024)
        elif request.POST.get("certificate"):
            import base64
            import binascii

            try:
                data = base64.b64decode(request.POST["certificate"], validate=True)
            except binascii.Error:
                data = b""
        try:
            binding.bind(staff, data, holder=KeyHolder.TOKEN, by=request.user)
        except binding.BindingRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("Đã gắn chứng thư số cho %(name)s.") % {"name": staff.full_name}
            )
        return redirect("signatures_admin:certificates")
    return render(
        request,
        "signatures/certificates.html",
        {
            "page_title": _("Chứng thư số của tôi"),
            "staff": staff,
            "certificates": Certificate.objects.filter(staff=staff).order_by("-added_at"),
            "agent_url": _agent_url(),
        },
    )
