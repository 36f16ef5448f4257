"""Registers the account security screens, the account menu entry and the reset buttons."""

from django.urls import include, path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin.ui.menus import MenuItem

from accounts import urls
from accounts.admin_api import ScopedDocumentsAdminAPIViewSet, ScopedImagesAdminAPIViewSet
from accounts.services import can_reset_password
from recordpages.models.people import StaffProfile


@hooks.register("register_admin_urls")
def register_account_urls():
    return [path("tai-khoan/", include((urls.urlpatterns, "accounts"), namespace="accounts"))]


@hooks.register("register_account_menu_item")
def two_factor_menu_item(request):
    return {
        "url": reverse("accounts:two_factor_setup"),
        "label": _("Xác thực hai lớp"),
        "help_text": _("Bật hoặc thay ứng dụng xác thực (mã 6 chữ số) cho tài khoản."),
    }


@hooks.register("register_snippet_listing_buttons")
def password_reset_button(snippet, user, next_url=None):
    if isinstance(snippet, StaffProfile) and can_reset_password(user, snippet):
        yield MenuItem(
            _("Đặt lại mật khẩu"),
            reverse("accounts:staff_password_reset", args=[snippet.pk]),
            icon_name="key",
            priority=90,
        )
        yield MenuItem(
            _("Đặt lại xác thực hai lớp"),
            reverse("accounts:staff_two_factor_reset", args=[snippet.pk]),
            icon_name="key",
            priority=91,
        )


@hooks.register("construct_admin_api", order=1000)  # after wagtail.documents and .images
def scope_admin_api_documents_and_images(router):
    router.register_endpoint("documents", ScopedDocumentsAdminAPIViewSet)
    router.register_endpoint("images", ScopedImagesAdminAPIViewSet)
