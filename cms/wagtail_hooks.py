"""Registers the admin's Vietnamese touches (cms.guide, cms.admin_vietnamese); decides nothing."""

from django.urls import path
from wagtail import hooks

from cms import guide


@hooks.register("register_admin_urls")
def register_guide_url():
    return [path("huong-dan/", guide.guide, name="hoso_guide")]


hooks.register("register_help_menu_item", guide.guide_menu_item)
hooks.register("construct_help_menu", guide.keep_only_the_products_help)
