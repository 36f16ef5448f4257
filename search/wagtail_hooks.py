"""Registers the search screen in the admin: its URLs and a menu item."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from search import admin_urls


@hooks.register("register_admin_urls")
def register_search_urls():
    return [path("tim-kiem/", include(admin_urls, namespace="search_admin"))]


@hooks.register("register_admin_menu_item")
def register_search_menu_item():
    return MenuItem(
        _("Tìm kiếm hồ sơ"), reverse("search_admin:screen"), icon_name="search", order=150
    )
