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
from wagtail.documents import get_document_model
from wagtail.models import Collection
from wagtail.permissions import policy_registry

from recordpages.models.people import ManagedGroup
from recordpages.permissions import get_scope, visible_schools

logger = logging.getLogger(__name__)

# Any of these on the collection means the user works with its documents.
_DOCUMENT_ACTIONS = ["choose", "add", "change"]


def document_school_ids(document) -> set[int]:
    """The schools owning the document's collection: those whose managed groups hold a
    permission on it or on a collection above it. By permission, not by name, so that
    renaming a school or its collection changes nothing."""
    collection: Collection = document.collection
    collections = collection.get_ancestors(inclusive=True).filter(depth__gt=1)
    return set(
        ManagedGroup.objects.filter(
            school__isnull=False, group__collection_permissions__collection__in=collections
        ).values_list("school_id", flat=True)
    )


def can_download_document(user, document) -> bool:
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    if scope.is_superuser:
        return True
    policy = policy_registry.get_by_type(get_document_model())
    if policy.user_has_any_permission_for_instance(user, _DOCUMENT_ACTIONS, document):
        return True
    if scope.is_authority_level:
        schools = document_school_ids(document)
        return bool(schools) and visible_schools(user).filter(pk__in=schools).exists()
    return False


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
