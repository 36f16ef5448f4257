"""Who may download a document: the serving rule of /documents/<id>/<file> (R3).

Each school's documents live in a collection of its own (services.school_collection),
on which the school's managed groups hold their collection permissions. A document
is served to a user who holds a document permission on its collection (or one above
it: Wagtail's collection permissions are inherited), to authority staff who read
the school that owns the collection, and to superusers. Nothing is public: records'
attachments (OtherRecordPage.attachment) belong to internal records, and the public
site links signed PDFs from the archive, never documents.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from recordpages.files import file_readable

logger = logging.getLogger(__name__)


def can_download_document(user, document) -> bool:
    return file_readable(user, document)


def refuse_document_outside_scope(document, request: HttpRequest) -> HttpResponse | None:
    """before_serve_document hook: a 403 page in Vietnamese instead of the file."""
    if can_download_document(request.user, document):
        return None
    logger.warning(
        "Refused document %s to user %s (outside their schools)",
        document.pk,
        getattr(request.user, "pk", None),
    )
    body = render_to_string(
        "recordpages/document_refused.html",
        {"message": _("Bạn không có quyền tải tài liệu này: tài liệu thuộc đơn vị khác.")},
        request=request,
    )
    return HttpResponse(body, status=403)
