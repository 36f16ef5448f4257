"""Registers the import screens and their menu item; decides nothing."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from imports import admin_urls
from imports.selectors import imports_anything


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return imports_anything(request.user)


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("nhap-csdl/", include(admin_urls, namespace="imports_admin"))]


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem(
        _("Nhập dữ liệu CSDL ngành"), reverse("imports_admin:upload"), icon_name="upload", order=850
    )


@hooks.register("register_admin_menu_item")
def register_rollover_menu_item():
    return ImportMenuItem(
        _("Chuyển năm học"), reverse("imports_admin:rollover"), icon_name="date", order=851
    )
