"""Who may read an uploaded file (a document, an image, a rendition of one).

Uploads live in the collection of their school (recordpages.services.school_collection).
A file is read by the staff who hold a permission on that collection, and by
authority staff whose authority covers the school; by nobody else, whatever URL
they know.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.permissions import policy_registry

from recordpages.models.people import ManagedGroup
from recordpages.permissions import get_scope, visible_schools

# Any of these on the collection means the user works with its files.
_COLLECTION_ACTIONS = ["choose", "add", "change"]


def collection_school_ids(collection: Collection) -> set[int]:
    """The schools owning a collection: those whose managed groups hold a permission on
    it or on a collection above it. By permission, not by name, so that renaming a
    school or its collection changes nothing."""
    collections = collection.get_ancestors(inclusive=True).filter(depth__gt=1)
    return set(
        ManagedGroup.objects.filter(
            school__isnull=False, group__collection_permissions__collection__in=collections
        ).values_list("school_id", flat=True)
    )


def file_readable(user, obj) -> bool:
    """May `user` read this document or image (anything with a `collection`)?"""
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    if scope.is_superuser:
        return True
    policy = policy_registry.get_by_type(type(obj))
    if policy.user_has_any_permission_for_instance(user, _COLLECTION_ACTIONS, obj):
        return True
    if scope.is_authority_level:
        schools = collection_school_ids(obj.collection)
        return bool(schools) and visible_schools(user).filter(pk__in=schools).exists()
    return False


def _owner_of(name: str):
    """The document or image a stored file name belongs to, or None."""
    image_model = get_image_model()
    image = image_model.objects.filter(file=name).first()
    if image is not None:
        return image
    rendition = image_model.get_rendition_model().objects.select_related("image")
    rendition = rendition.filter(file=name).first()
    if rendition is not None:
        return rendition.image
    return get_document_model().objects.filter(file=name).first()


def media_serve(request: HttpRequest, path: str) -> FileResponse:
    """Serves an uploaded file to those who may read it; 404 to everyone else, so that
    a URL says nothing of whether the file exists."""
    name = PurePosixPath(path).as_posix()
    if name.startswith("/") or ".." in PurePosixPath(name).parts:
        raise Http404
    owner = _owner_of(name)
    if owner is None or not file_readable(request.user, owner) or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    if not content_type.startswith("image/"):
        response["Content-Disposition"] = "attachment"
    return response
