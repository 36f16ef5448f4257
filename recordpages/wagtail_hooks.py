"""Registers the admin screens and asks the permission policy before page creation."""

from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from recordpages.permissions import can_create_page, explorable_page_ids
from recordpages.viewsets import PeopleGroup, SchoolYearViewSet

register_snippet(PeopleGroup)


@hooks.register("register_admin_viewset")
def register_school_years():
    return SchoolYearViewSet("school_years")


@hooks.register("before_create_page")
def refuse_page_types_outside_role(request, parent_page, page_class):
    if not can_create_page(request.user, parent_page, page_class):
        raise PermissionDenied


@hooks.register("before_move_page")
def refuse_moving_pages_outside_ones_rights(request, page, destination):
    """Wagtail's move confirmation shows the page before checking rights: check first."""
    if not page.permissions_for_user(request.user).can_move_to(destination):
        raise PermissionDenied


@hooks.register("construct_page_chooser_queryset")
def choose_only_explorable_pages(pages, request):
    return pages.filter(pk__in=explorable_page_ids(request.user))
