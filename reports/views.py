"""Report screens in the admin: the table and chart, and the XLSX download.

Who sees which schools is reports.selectors.report_scope (recordpages'
permissions underneath); the views only render.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from recordpages.models import SchoolYear
from reports import selectors
from reports.charts import status_chart
from reports.exports import report_xlsx
from reports.tables import Report, build_report


def _report(request: HttpRequest) -> Report:
    scope = selectors.report_scope(request.user)
    if scope is None:
        raise PermissionDenied
    years = SchoolYear.objects.order_by("-start_date")
    year = (
        years.filter(pk=request.GET.get("year") or 0).first()
        if request.GET.get("year", "").isdigit()
        else None
    )
    year = year or years.first()
    if year is None:
        raise PermissionDenied
    return build_report(scope, year, selectors.today_local())


@require_GET
def report_screen(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    title = _("Thực hiện thời hạn hồ sơ – năm học %(year)s") % {"year": report.school_year.name}
    return TemplateResponse(
        request,
        "reports/report.html",
        {
            "report": report,
            "years": SchoolYear.objects.order_by("-start_date"),
            "statuses": [(s, selectors.STATUS_LABELS[s]) for s in selectors.STATUSES],
            "chart": status_chart(
                report.rows if report.kind == "district" else report.teachers or report.rows, title
            ),
            "page_title": _("Báo cáo hồ sơ chuyên môn"),
        },
    )


@require_GET
def report_download(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    response = HttpResponse(
        report_xlsx(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="bao-cao-ho-so-{report.school_year.name}.xlsx"'
    )
    return response
