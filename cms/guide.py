"""The product's own user guide in the admin ("Hướng dẫn sử dụng"), in place of
Wagtail's English editor guide and its "what's new" link: a teacher who asks for
help reads how this product works, in Vietnamese, without leaving the admin."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem

GUIDE_MENU_NAME = "huong-dan-su-dung"
# Wagtail's help entries that send a school user to guide.wagtail.org (English).
WAGTAIL_HELP_LINKS = ("editor-guide", "whats-new-in-wagtail-")


def guide(request: HttpRequest) -> HttpResponse:
    """Static text, the same for everyone who has reached the admin."""
    return TemplateResponse(request, "help/guide.html", {})


def guide_menu_item() -> MenuItem:
    return MenuItem(
        _("Hướng dẫn sử dụng"),
        reverse("hoso_guide"),
        icon_name="help",
        order=900,
        name=GUIDE_MENU_NAME,
    )


def keep_only_the_products_help(request: HttpRequest, menu_items: list) -> None:
    """Wagtail's editor guide and release notes go; the product's guide comes first."""
    menu_items[:] = [
        item
        for item in menu_items
        if not any(getattr(item, "name", "").startswith(name) for name in WAGTAIL_HELP_LINKS)
    ]
