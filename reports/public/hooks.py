"""Hook functions registered in reports/wagtail_hooks.py: the last word on serving."""

from __future__ import annotations

import logging

from django.http import Http404

from reports.public.selectors import is_public, may_fetch_document

logger = logging.getLogger(__name__)


def refuse_non_public_page(page, request, serve_args, serve_kwargs):
    """Wagtail serves any live page; the public site serves only public ones."""
    if not is_public(page):
        raise Http404


def refuse_document_to_public(document, request):
    if not may_fetch_document(request.user):
        logger.info("Refused document %s to a visitor without an account", document.pk)
        raise Http404
