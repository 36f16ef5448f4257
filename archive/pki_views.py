"""The dev PKI's CRL, OCSP responder and TSA at /pki/ of the dev server (issue 14).

The TEST-ONLY dev PKI's certificates point here, as a real CA's point to its own
services, so that a validator outside the application (Adobe Reader, poppler's
pdfsig, an archivist's tool) can check them. Public, like any CA's services, and
answered only while the dev PKI is the signing backend: with a school's real
certificates (production refuses the dev PKI) every path here is 404.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from archive.signing import dev_pki

MAX_REQUEST_BYTES = 64 * 1024


def _responder():
    if settings.SIGNING.get("BACKEND") != "dev":
        raise Http404
    from archive.pki_services import DevPkiResponder

    paths = dev_pki()
    if not paths.ca_cert.exists():
        raise Http404
    return DevPkiResponder(paths)


def _body(request) -> bytes:
    if len(request.body) > MAX_REQUEST_BYTES:
        raise Http404
    return request.body


@require_GET
def ca_certificate(request):
    return HttpResponse(_responder().ca_cert_der(), content_type="application/pkix-cert")


@require_GET
def crl(request):
    return HttpResponse(_responder().crl_der(), content_type="application/pkix-crl")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ocsp(request, encoded: str = ""):
    responder = _responder()
    if request.method == "POST":
        data = _body(request)
    else:
        try:
            data = base64.b64decode(encoded + "==", validate=False)
        except (binascii.Error, ValueError):
            return HttpResponseBadRequest("malformed OCSP request")
    return HttpResponse(responder.ocsp(data), content_type="application/ocsp-response")


@csrf_exempt
@require_POST
def tsa(request):
    return HttpResponse(
        _responder().timestamp(_body(request)), content_type="application/timestamp-reply"
    )
