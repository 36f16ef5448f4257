"""The authority in force for a school year (recordpages.authorities): the term that
starts latest on or before the year, never a later one (FORMS.md "Who is above a
school")."""

from __future__ import annotations

import pytest

from recordpages.authorities import authority_term
from recordpages.models import AuthorityKind, AuthorityTerm, School, SchoolYear

pytestmark = pytest.mark.django_db


def _year(first: int) -> SchoolYear:
    year, _ = SchoolYear.objects.get_or_create(
        name=f"{first}-{first + 1}", defaults=SchoolYear.defaults_for(first)
    )
    return year


def _term(school: School, first: int, body: str) -> AuthorityTerm:
    return AuthorityTerm.objects.create(
        school=school,
        starts=_year(first),
        kind=AuthorityKind.COMMUNE,
        issuing_body=body,
        authority_name=body.title(),
        commune="Phường Hưng Đạo",
        province="Thành phố Hải Phòng",
    )


def test_the_term_in_force_is_the_latest_starting_on_or_before_the_year():
    school = School.objects.create(code="THAU", name="Trường Tiểu học A", place_name="A")
    _term(school, 2024, "PHÒNG GD&ĐT QUẬN DƯƠNG KINH")
    _term(school, 2025, "UBND PHƯỜNG HƯNG ĐẠO")
    assert authority_term(school, _year(2024)).issuing_body == "PHÒNG GD&ĐT QUẬN DƯƠNG KINH"
    assert authority_term(school, _year(2025)).issuing_body == "UBND PHƯỜNG HƯNG ĐẠO"
    assert authority_term(school, _year(2026)).issuing_body == "UBND PHƯỜNG HƯNG ĐẠO"


def test_no_term_before_the_first_one_and_none_of_another_school():
    school = School.objects.create(code="THAU", name="Trường Tiểu học A", place_name="A")
    other = School.objects.create(code="THAV", name="Trường Tiểu học B", place_name="B")
    _term(school, 2025, "UBND PHƯỜNG HƯNG ĐẠO")
    assert authority_term(school, _year(2023)) is None
    assert authority_term(other, _year(2026)) is None
