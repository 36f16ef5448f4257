"""Admin screens of "Chuyển năm học": the preview (GET) and the apply (POST).

Who may: the school's principal or system administrator, a superuser for any school
(imports.selectors.importable_schools, the same rule as loading the year's data).
A school outside the user's reach is a 404; a refusal of the service is a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from imports.rollover import RolloverRefused, rollover_preview
from imports.rollover_apply import rollover_apply
from imports.selectors import importable_schools
from recordpages.models import School, SchoolYear


def _target(request: HttpRequest, data) -> tuple[School, SchoolYear | None, list[SchoolYear]]:
    """The school asked for (default: the user's first), the year to roll over from
    (default: its latest year with classes that has begun) and the years it could be."""
    schools = importable_schools(request.user).order_by("name")
    if not schools.exists():
        raise PermissionDenied
    asked = str(data.get("school", "")).strip()
    if asked and not asked.isdigit():
        raise Http404
    school = schools.filter(pk=int(asked)).first() if asked else schools.first()
    if school is None:
        raise Http404
    years = list(SchoolYear.objects.filter(classes__school=school).distinct())
    name = str(data.get("nam_hoc", "")).strip()
    year = next((y for y in years if y.name == name), None) if name else None
    if name and year is None:
        raise Http404
    if year is None:
        begun = [y for y in years if y.start_date <= timezone.localdate()]
        year = (begun or years or [None])[0]
    return school, year, years


@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    school, year, years = _target(request, request.GET)
    plan, refusal = None, ""
    if year is None:
        refusal = _("Trường chưa có lớp học nào: chưa có năm học để chuyển.")
    else:
        try:
            plan = rollover_preview(school, year)
        except RolloverRefused as exc:
            refusal = exc.message
    context = {
        "schools": importable_schools(request.user).order_by("name"),
        "school": school,
        "year": year,
        "years": years,
        "plan": plan,
        "refusal": refusal,
    }
    return TemplateResponse(request, "imports/rollover.html", context)


@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    school, year, _years = _target(request, request.POST)
    if year is None:
        raise Http404
    try:
        plan = rollover_apply(request.user, school, year)
    except RolloverRefused as exc:
        messages.error(request, exc.message)
    else:
        if plan.has_writes:
            messages.success(
                request,
                _(
                    "Đã chuyển năm học %(old)s sang %(new)s: tạo %(classes)s lớp, "
                    "%(groups)s tổ chuyên môn; xếp lớp %(pupils)s học sinh."
                )
                % {
                    "old": plan.from_year,
                    "new": plan.new_year,
                    "classes": plan.written["classes"],
                    "groups": plan.written["groups"],
                    "pupils": plan.written["enrollments"],
                },
            )
        else:
            messages.info(
                request,
                _("Không có gì thay đổi: năm học %(new)s đã có đủ những gì cần chuyển.")
                % {"new": plan.new_year},
            )
    query = urlencode({"school": school.pk, "nam_hoc": year.name})
    return redirect(f"{reverse('imports_admin:rollover')}?{query}")
