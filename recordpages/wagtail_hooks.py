"""Registers the admin screens, asks the permission policy before page creation and
hides Wagtail's tree-wide reports and dashboard panels from school accounts."""

from django.core.exceptions import PermissionDenied
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet

from cms.csp_widgets import patch_chooser_widgets
from recordpages import class_grid, draft_save
from recordpages.authority_admin import AuthorityTermViewSet
from recordpages.documents import refuse_document_outside_scope
from recordpages.explorer import ScopedPageViewSet
from recordpages.models import ClassPage
from recordpages.permissions import (
    can_create_page,
    explorable_page_ids,
    list_children,
    mark_undeletable,
    without_unread_prefetches,
)
from recordpages.viewsets import PeopleGroup, SchoolYearViewSet

register_snippet(PeopleGroup)
register_snippet(AuthorityTermViewSet)
# Chooser widgets write their initialiser as JSON, not as an inline script (CSP).
patch_chooser_widgets()
hooks.register("before_serve_document", refuse_document_outside_scope)
# After the workflow's write guard (order 0): a refused record never gets this far.
hooks.register("before_edit_page", draft_save.save_plain_draft, order=1)


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


@hooks.register("construct_explorer_page_queryset")
def answer_the_listing_rows_in_few_queries(parent_page, pages, request):
    list_children(request.user, parent_page)
    return mark_undeletable(without_unread_prefetches(pages), request.user, parent_page)


@hooks.register("construct_page_chooser_queryset")
def choose_only_explorable_pages(pages, request):
    return pages.filter(pk__in=explorable_page_ids(request.user))


# Wagtail's dashboard panels that list pages of the whole tree (recent edits, locked
# pages, Wagtail workflow moderation); the workflow app adds the school's own panels.
TREE_WIDE_PANELS = frozenset(
    {
        "recent_edits",
        "locked_pages",
        "workflow_objects_to_moderate",
        "user_objects_in_workflow_moderation",
    }
)


@hooks.register("construct_homepage_panels")
def drop_tree_wide_dashboard_panels(request, panels):
    if not request.user.is_superuser:
        panels[:] = [
            panel for panel in panels if getattr(panel, "name", "") not in TREE_WIDE_PANELS
        ]


@hooks.register("construct_reports_menu")
def hide_stock_reports(request, menu_items):
    """The stock reports answer 404 to school accounts (DisabledAdminAreasMiddleware)."""
    if not request.user.is_superuser:
        menu_items[:] = []


@hooks.register("construct_admin_api", order=1000)  # after wagtail.admin's own "pages"
def pages_api_without_write_actions(router):
    from accounts.admin_api import GuardedPagesAdminAPIViewSet

    router.register_endpoint("pages", GuardedPagesAdminAPIViewSet)


@hooks.register("insert_global_admin_js")
def initialisers_instead_of_inline_scripts():
    """Runs what Wagtail's inline scripts did; the Content-Security-Policy blocks those."""
    return format_html('<script src="{}"></script>', static("js/csp_init.js"))


@hooks.register("register_admin_urls")
def register_class_grid_url():
    return [
        path(
            "lop/<int:page_id>/ket-qua-cuoi-nam/",
            class_grid.year_end_grid,
            name="recordpages_class_grid",
        )
    ]


@hooks.register("register_page_header_buttons")
def class_grid_button(page, user, view_name, next_url=None):
    """On a class's page, its homeroom teacher's way to the year-end grid."""
    if page.specific_class is not ClassPage:
        return
    class_page = page.specific_deferred
    if class_grid.may_open(user, class_page.school_class):
        yield Button(
            _("Nhập kết quả cuối năm cả lớp"),
            reverse("recordpages_class_grid", args=[page.pk]),
            icon_name="table",
            priority=40,
        )


# Registered after Wagtail's own viewset of every page type (its hook's order is -1),
# in its place: the explorer of any page is this one.
@hooks.register("register_admin_viewset", order=1)
def register_scoped_explorer():
    return ScopedPageViewSet()
