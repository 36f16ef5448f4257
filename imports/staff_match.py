"""Who each row of the staff list is.

A staff code or a ministry id names one person. A name alone does not: it is
taken only when exactly one person of the school bears it, no identifier of
theirs contradicts the row, and the birth dates agree when both are known. A row
that could be two people, or two rows that could be one, write nothing and say
why, so that the principal adds the staff code by hand and imports again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from imports.types import RowProblem, SheetPlan
from recordpages.models import RoleCode, School, StaffProfile
from recordpages.text import fold

STAFF_FIELDS = (
    "staff_code",
    "ministry_id",
    "full_name",
    "date_of_birth",
    "sex",
    "position",
    "subjects_taught",
)
LEADERS = (RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL)


class SchoolStaff:
    """The school's staff as the plan compares rows with them: two queries, whatever
    the number of rows (the profiles with their account's state, the leaders' roles)."""

    def __init__(self, school: School):
        self.profiles = list(
            StaffProfile.objects.filter(school=school).values(
                "pk", "user__is_active", *STAFF_FIELDS
            )
        )
        self.by_code = {p["staff_code"]: p for p in self.profiles if p["staff_code"]}
        self.by_id = {p["ministry_id"]: p for p in self.profiles if p["ministry_id"]}
        self.by_name: dict[str, list[dict]] = {}
        for profile in self.profiles:
            self.by_name.setdefault(fold(profile["full_name"]), []).append(profile)
        self.leaders: dict[int, str] = {}
        for pk, code in StaffProfile.roles.through.objects.filter(
            staffprofile__school=school, role_id__in=LEADERS
        ).values_list("staffprofile_id", "role_id"):
            if code == RoleCode.PRINCIPAL or pk not in self.leaders:
                self.leaders[pk] = code


@dataclass
class Match:
    number: int
    values: dict[str, Any]
    current: dict | None  # None: a newcomer
    by_name: bool = False  # found by name only: may fill empty fields, never overwrite


def match_rows(rows: list[tuple[int, dict]], staff: SchoolStaff, plan: SheetPlan) -> list[Match]:
    """The rows in order with the person each one is; a row that cannot be told is left
    out, as an error when its identifiers contradict, else as a warning."""
    claimed: dict[int, int] = {}
    matches: list[Match] = []
    unmatched: list[tuple[int, dict]] = []
    for number, values in rows:
        by_code = staff.by_code.get(values["staff_code"])
        by_id = staff.by_id.get(values.get("ministry_id") or "")
        problem = _contradiction(by_code, by_id, values, claimed)
        if problem:
            plan.errors.append(RowProblem(plan.title, number, problem))
        elif by_code or by_id:
            current = by_code or by_id
            claimed[current["pk"]] = number
            matches.append(Match(number, values, current))
        else:
            unmatched.append((number, values))
    rows_per_name = Counter(fold(values["full_name"]) for _n, values in unmatched)
    for number, values in unmatched:
        key = fold(values["full_name"])
        candidates = [
            p for p in staff.by_name.get(key, []) if p["pk"] not in claimed and _may_be(p, values)
        ]
        problem = _ambiguity(candidates, values, rows_per_name[key])
        if problem:
            plan.warnings.append(RowProblem(plan.title, number, problem))
        elif candidates:
            matches.append(Match(number, values, candidates[0], by_name=True))
        else:
            matches.append(Match(number, values, None))
    return sorted(matches, key=lambda match: match.number)


def _contradiction(by_code, by_id, values, claimed: dict[int, int]) -> str:
    if by_code and by_id and by_code["pk"] != by_id["pk"]:
        return _(
            "Mã cán bộ %(code)s là của %(first)s nhưng mã định danh %(id)s là của "
            "%(second)s: sửa một trong hai mã."
        ) % {
            "code": values["staff_code"],
            "first": by_code["full_name"],
            "id": values["ministry_id"],
            "second": by_id["full_name"],
        }
    current = by_code or by_id
    if current and current["pk"] in claimed:
        return _("Dòng này và dòng %(row)s cùng là %(name)s (theo mã cán bộ, mã định danh).") % {
            "row": claimed[current["pk"]],
            "name": current["full_name"],
        }
    return ""


def _may_be(profile: dict, values: dict) -> bool:
    """Whether no identifier says the profile is someone else: a staff code other than the
    row's, or two different ministry ids."""
    if profile["staff_code"]:
        return False
    theirs, given = profile["ministry_id"], values.get("ministry_id")
    return not (theirs and given and theirs != given)


def _ambiguity(candidates: list[dict], values: dict, rows_with_name: int) -> str:
    if not candidates:
        return ""
    name = candidates[0]["full_name"]
    if len(candidates) > 1:
        return _(
            "Trường có %(n)s cán bộ tên %(name)s chưa có mã cán bộ: không biết dòng này là "
            "ai nên không ghi gì. Hãy ghi mã cán bộ cho đúng người trong mục “Cán bộ, giáo "
            "viên” rồi nhập lại."
        ) % {"n": len(candidates), "name": name}
    if rows_with_name > 1:
        return _(
            "Tệp có %(n)s dòng tên %(name)s mà trường có một cán bộ tên này chưa có mã cán "
            "bộ: không biết dòng nào là người đó nên không ghi gì. Hãy ghi mã cán bộ cho "
            "người đó trong mục “Cán bộ, giáo viên” rồi nhập lại."
        ) % {"n": rows_with_name, "name": name}
    stored, given = candidates[0]["date_of_birth"], values.get("date_of_birth")
    if stored and given and stored != given:
        return _(
            "%(name)s trùng tên với một cán bộ của trường chưa có mã cán bộ nhưng khác ngày "
            "sinh (trường ghi %(stored)s, tệp ghi %(given)s): không biết là ai nên không ghi gì."
        ) % {
            "name": name,
            "stored": stored.strftime("%d/%m/%Y"),
            "given": given.strftime("%d/%m/%Y"),
        }
    return ""
