"""Registers the public-site guards and the report screens; decides nothing."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from reports import admin_urls
from reports.public import hooks as public_hooks
from reports.selectors import report_scope

hooks.register("before_serve_page", public_hooks.refuse_non_public_page)
hooks.register("before_serve_document", public_hooks.refuse_document_to_public)


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return report_scope(request.user) is not None


@hooks.register("register_admin_urls")
def register_report_urls():
    return [path("bao-cao/", include(admin_urls, namespace="reports_admin"))]


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        _("Báo cáo thời hạn, đầy đủ"), reverse("reports_admin:report"), icon_name="table", order=860
    )
