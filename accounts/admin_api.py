"""The admin API's endpoints: documents and images narrowed to the user's collections,
pages without their write actions.

Wagtail's versions list every document and image of the installation to any
editor (they filter only on collection view restrictions), so a teacher could
read another school's file titles at /admin/api/main/documents/. Each school's
files live in its own collection, so the collection permissions are the scope.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.response import Response
from wagtail.admin.api.views import PagesAdminAPIViewSet
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


class GuardedPagesAdminAPIViewSet(PagesAdminAPIViewSet):
    """The pages endpoint with its write actions switched off.

    Wagtail's actions (copy, move, delete, publish, unpublish, revert, alias,
    translation copy) act on a page directly: no workflow policy, no audit entry.
    A signed học bạ was copied that way and a teacher's delete of an approved
    record reached the database's protection (a 500). Records change only through
    the workflow's screens; here every action is refused, and the attempt audited.
    The read endpoints stay: the explorer's side panel lists pages through them.
    """

    def action_view(self, request, pk, action_name):
        page = self.get_object()  # a page outside the user's view: 404, as before
        _audit_refused_action(request, page, action_name)
        return Response({"message": _action_refused()}, status=403)


def _action_refused() -> str:
    return _(
        "API quản trị không thực hiện thao tác trên hồ sơ (sao chép, chuyển, xóa, "
        "xuất bản, khôi phục): hãy dùng màn hình hồ sơ, nơi thao tác được kiểm tra "
        "theo quy trình duyệt và ghi nhật ký."
    )


def _audit_refused_action(request, page, action_name: str) -> None:
    """A refused attempt is evidence (R16), like the workflow's own refusals."""
    from workflow.audit import audit_append, client_ip  # workflow imports accounts

    specific = page.specific_deferred
    audit_append(
        action="access.refused",
        school_id=getattr(specific, "school_id", None),
        actor=request.user,
        object_type="record",
        object_id=page.pk,
        summary=f"admin API {action_name[:40]}: {_action_refused()}"[:300],
        ip=client_ip(request),
    )
