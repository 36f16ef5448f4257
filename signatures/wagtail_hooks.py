"""Registers the signing screens in the admin; decides nothing."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from signatures import admin_urls
from workflow import policy


@hooks.register("register_admin_urls")
def register_signature_urls():
    return [path("ky-so/", include(admin_urls, namespace="signatures_admin"))]


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        profile = getattr(request.user, "staff_profile", None)
        return profile is not None and profile.school_id is not None


@hooks.register("register_admin_menu_item")
def register_waiting_menu_item():
    return StaffMenuItem(
        _("Hồ sơ chờ tôi ký"), reverse("signatures_admin:waiting"), icon_name="edit", order=150
    )


@hooks.register("register_admin_menu_item")
def register_certificate_menu_item():
    return StaffMenuItem(
        _("Chứng thư số của tôi"),
        reverse("signatures_admin:certificates"),
        icon_name="key",
        order=151,
    )


class ChainsMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.may_see_chains(request.user)


@hooks.register("register_admin_menu_item")
def register_chains_menu_item():
    return ChainsMenuItem(
        _("Quy trình ký của trường"),
        reverse("signatures_admin:chains"),
        icon_name="list-ol",
        order=152,
    )
