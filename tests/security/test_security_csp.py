"""Every response carries the Content-Security-Policy (issue #11, finding 11).

The browser test (test_security_browser.py) proves the admin, the public site and
the verification page work under it; these tests pin the policy itself.
"""

from __future__ import annotations

import pytest
from django.test import Client


def _directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/xac-thuc/", "/tim-kiem/"])
def test_every_response_carries_a_strict_content_security_policy(path):
    response = Client().get(path)
    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]  # Wagtail's preview frames our own pages
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


def test_production_settings_keep_the_policy():
    from cms.settings import base

    assert "csp.middleware.CSPMiddleware" in base.MIDDLEWARE
    assert base.CONTENT_SECURITY_POLICY["DIRECTIVES"]["object-src"]
