"""Registers the archive's admin URLs, menu item and page buttons; decides nothing."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from archive import admin_urls, selectors


@hooks.register("register_admin_urls")
def register_archive_urls():
    return [path("luu-tru/", include(admin_urls, namespace="archive_admin"))]


@hooks.register("register_admin_menu_item")
def register_package_menu_item():
    return MenuItem(
        _("Gói hồ sơ cuối năm"), reverse("archive_admin:packages"), icon_name="download", order=900
    )


@hooks.register("register_page_header_buttons")
def print_and_archive_status_buttons(page, user, view_name, next_url=None):
    specific = page.specific_deferred
    if not hasattr(specific, "record_type") or not selectors.can_print(user, specific):
        return
    yield Button(
        _("In"),
        reverse("archive_admin:print", args=[page.pk]),
        icon_name="doc-full",
        priority=5,
        attrs={"target": "_blank", "rel": "noopener"},
    )
    if selectors.archive_pending(page.pk):
        yield Button(
            _("Đang chờ lưu trữ"),
            reverse("archive_admin:packages"),
            icon_name="warning",
            priority=6,
        )
