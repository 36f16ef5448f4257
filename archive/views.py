"""Public verification (/xac-thuc/): anyone may check a PDF or the code from its QR."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def verify_form(request: HttpRequest) -> HttpResponse:
    return render(request, "archive/verify.html", {})


def verify_code(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "archive/verify.html", {})
