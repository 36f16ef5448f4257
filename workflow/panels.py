"""Dashboard panels on the admin home, per role. They render what selectors return."""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from recordpages.models import RoleCode
from recordpages.permissions import get_scope
from workflow import selectors
from workflow.week import selectors as week_selectors


class _Panel(Component):
    order = 100

    def __init__(self, request):
        self.request = request
        self.today = timezone.localdate()


class MyRecordsPanel(_Panel):
    name = "hoso_my_records"
    order = 50
    template_name = "workflow/panels/my_records.html"

    def get_context_data(self, parent_context=None):
        return {"items": selectors.my_records_due(self.request.user, self.today)}


class WaitingForMePanel(_Panel):
    name = "hoso_waiting"
    order = 60
    template_name = "workflow/panels/waiting.html"

    def get_context_data(self, parent_context=None):
        return {"items": selectors.waiting_for(self.request.user)}


class SchoolDeadlinesPanel(_Panel):
    name = "hoso_school_deadlines"
    order = 70
    template_name = "workflow/panels/deadline_table.html"

    def get_context_data(self, parent_context=None):
        scope = get_scope(self.request.user)
        year = selectors.current_school_year(self.today)
        rows = selectors.school_deadline_status(scope.school_id, year, self.today) if year else []
        return {
            "rows": rows,
            "year": year,
            "heading": _("Tình hình thực hiện hạn nộp, duyệt của trường"),
            "first_column": _("Loại hồ sơ"),
        }


class DistrictPanel(_Panel):
    name = "hoso_district"
    order = 40
    template_name = "workflow/panels/deadline_table.html"

    def get_context_data(self, parent_context=None):
        year = selectors.current_school_year(self.today)
        rows = (
            selectors.district_deadline_table(self.request.user, year, self.today) if year else []
        )
        return {
            "rows": rows,
            "year": year,
            "heading": _("Các trường: hạn nộp, duyệt hồ sơ (Điều 12)"),
            "first_column": _("Trường"),
        }


class AnomalyPanel(_Panel):
    name = "hoso_anomalies"
    order = 80
    template_name = "workflow/panels/anomalies.html"

    def get_context_data(self, parent_context=None):
        return {
            "entries": selectors.anomalies(self.request.user, limit=8),
            "repeated": selectors.repeated_failed_logins(self.request.user),
        }


class AuthorityCredentialResetsPanel(_Panel):
    """The authority's unusual-access panel: who reset whose credentials in its schools."""

    name = "hoso_authority_resets"
    order = 45
    template_name = "workflow/panels/authority_resets.html"

    def get_context_data(self, parent_context=None):
        return {"entries": selectors.credential_resets(self.request.user, limit=8)}


class NewWeekPanel(_Panel):
    """The teacher's week in one click: next week's plan, last week's copied, files."""

    name = "hoso_new_week"
    order = 45
    template_name = "week/panel.html"

    def __init__(self, request, targets):
        super().__init__(request)
        self.targets = targets

    def get_context_data(self, parent_context=None):
        # A component renders its template without the request: the token its POST
        # forms need is taken here (without it every click on the panel was a 403).
        return {"targets": self.targets, "csrf_token": get_token(self.request)}


def panels_for(request) -> list[Component]:
    scope = get_scope(request.user)
    panels: list[Component] = []
    if scope.is_superuser or scope.is_authority_level:
        panels.append(DistrictPanel(request))
    if scope.is_superuser or (
        scope.is_authority_level and scope.has_role(RoleCode.DISTRICT_OFFICE)
    ):
        panels.append(AuthorityCredentialResetsPanel(request))
    if scope.staff is not None and scope.school_id:
        targets = week_selectors.week_targets(request.user, timezone.localdate())
        if targets:
            panels.append(NewWeekPanel(request, targets))
        panels += [MyRecordsPanel(request), WaitingForMePanel(request)]
        if scope.has_role(RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL):
            panels.append(SchoolDeadlinesPanel(request))
        if scope.has_role(RoleCode.PRINCIPAL, RoleCode.SYSADMIN):
            panels.append(AnomalyPanel(request))
    return panels
