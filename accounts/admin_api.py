"""The admin API's document and image endpoints, narrowed to the user's collections.

Wagtail's versions list every document and image of the installation to any
editor (they filter only on collection view restrictions), so a teacher could
read another school's file titles at /admin/api/main/documents/. Each school's
files live in its own collection, so the collection permissions are the scope.
"""

from __future__ import annotations

from wagtail.documents import get_document_model
from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.images import get_image_model
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.permissions import policy_registry

_ACTIONS = ["choose", "change", "add"]


def _in_user_collections(queryset, model, user):
    if user.is_superuser:
        return queryset
    policy = policy_registry.get_by_type(model)
    collections = policy.collections_user_has_any_permission_for(user, _ACTIONS)
    return queryset.filter(collection__in=collections)


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return _in_user_collections(super().get_queryset(), get_document_model(), self.request.user)


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        return _in_user_collections(super().get_queryset(), get_image_model(), self.request.user)
