"""The admin API's document and image endpoints, narrowed to the user's collections.

Wagtail's versions list every document and image of the installation to any
editor (they filter only on collection view restrictions), so a teacher could
read another school's file titles at /admin/api/main/documents/. Each school's
files live in its own collection, so the collection permissions are the scope.
"""

from __future__ import annotations

from wagtail.documents.api.admin.views import DocumentsAdminAPIViewSet
from wagtail.documents.permissions import permission_policy as document_policy
from wagtail.images.api.admin.views import ImagesAdminAPIViewSet
from wagtail.images.permissions import permission_policy as image_policy

_ACTIONS = ["choose", "change", "add"]


def _in_user_collections(queryset, policy, user):
    if user.is_superuser:
        return queryset
    collections = policy.collections_user_has_any_permission_for(user, _ACTIONS)
    return queryset.filter(collection__in=collections)


class ScopedDocumentsAdminAPIViewSet(DocumentsAdminAPIViewSet):
    def get_queryset(self):
        return _in_user_collections(super().get_queryset(), document_policy, self.request.user)


class ScopedImagesAdminAPIViewSet(ImagesAdminAPIViewSet):
    def get_queryset(self):
        return _in_user_collections(super().get_queryset(), image_policy, self.request.user)
