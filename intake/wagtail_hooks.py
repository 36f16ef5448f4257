"""Registers the intake's URLs in the admin."""

from django.urls import include, path
from wagtail import hooks

from intake import urls


@hooks.register("register_admin_urls")
def register_intake_urls():
    return [path("tep-ho-so/", include(urls, namespace="intake"))]
