"""The demo's authorities of the day (FORMS.md "Who is above a school"): each demo
school answers to the district office (Phòng GD&ĐT quận Dương Kinh) until 2024-2025
and to its ward's People's Committee from 2025-2026, the first year after the
1 July 2025 reform; and the main school keeps a 2024-2025 year with its school plan,
so that the demo prints both headers.

Which new ward each old ward went into is the demo's choice, not checked against the
2025 resolution that merged Hải Phòng's wards.
"""

from __future__ import annotations

from recordpages.demo.records import RecordBuilders
from recordpages.models import (
    AuthorityKind,
    AuthorityTerm,
    RoleCode,
    School,
    SchoolPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
)

PROVINCE = "Thành phố Hải Phòng"
DISTRICT = "Quận Dương Kinh"
DEPARTMENT = "Sở Giáo dục và Đào tạo Hải Phòng"
BEFORE_REFORM = 2024  # the last school year under the district office starts in 2024
AFTER_REFORM = 2025  # the first school year under the ward starts in 2025

# Old ward (before 1 July 2025) → new ward: the demo's mapping.
NEW_WARD = {
    "Hòa Nghĩa": "Hưng Đạo",
    "Hưng Đạo": "Hưng Đạo",
    "Anh Dũng": "Dương Kinh",
    "Hải Thành": "Dương Kinh",
}


def school_year(first: int) -> SchoolYear:
    year, _ = SchoolYear.objects.get_or_create(
        name=f"{first}-{first + 1}", defaults=SchoolYear.defaults_for(first)
    )
    return year


def old_ward_of(school: School) -> str:
    """The ward in the demo school's address: "Phường Hòa Nghĩa, quận …" → "Hòa Nghĩa"."""
    return school.address.split(",")[0].removeprefix("Phường").strip()


def add_authority_terms(school: School, ward: str | None = None) -> list[AuthorityTerm]:
    """The school's two terms: the district office from 2024-2025 and its new ward's
    People's Committee from 2025-2026. `ward` is the old ward (default: the one in
    the school's address). Idempotent: the terms are updated in place."""
    old = ward or old_ward_of(school)
    new = NEW_WARD.get(old, old)
    before = {
        "kind": AuthorityKind.DISTRICT_OFFICE,
        "issuing_body": "PHÒNG GD&ĐT QUẬN DƯƠNG KINH",
        "authority_name": "Phòng Giáo dục và Đào tạo quận Dương Kinh",
        "professional_body": "",
        "commune": f"Phường {old}",
        "district": DISTRICT,
        "province": PROVINCE,
    }
    after = {
        "kind": AuthorityKind.COMMUNE,
        "issuing_body": f"UBND PHƯỜNG {new.upper()}",
        "authority_name": f"Ủy ban nhân dân phường {new}",
        "professional_body": DEPARTMENT,
        "commune": f"Phường {new}",
        "district": "",
        "province": PROVINCE,
    }
    return [
        AuthorityTerm.objects.update_or_create(
            school=school, starts=school_year(first), defaults=fields
        )[0]
        for first, fields in ((BEFORE_REFORM, before), (AFTER_REFORM, after))
    ]


def _plan_writer(school: School) -> StaffProfile | None:
    """The loader's writer of the school plan: the school's first vice-principal, who
    is also the one workflow.demo submits it as."""
    return (
        StaffProfile.objects.filter(school=school, roles__code=RoleCode.VICE_PRINCIPAL)
        .order_by("user__username")
        .first()
    )


def add_past_year(school: School, first: int = BEFORE_REFORM) -> SchoolYearPage:
    """The school's year page of `first` (2024-2025, under the district office) with
    its school plan, written by the loader's own builder. The plan is left as a draft:
    workflow.demo.apply_demo_states, run after the loader, approves and publishes it
    (recordpages may not call the workflow). Idempotent."""
    year = school_year(first)
    builders = RecordBuilders()
    school_page = SchoolPage.objects.get(school=school)
    year_page = builders.child(
        school_page, SchoolYearPage(school_year=year, school=school), f"nam-hoc-{year.name}"
    )
    builders.school_plan(
        year_page, school, year, _plan_writer(school), builders.rng(school.code, year.name)
    )
    return year_page
