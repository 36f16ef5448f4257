"""Who may edit the authority terms in the admin (recordpages.authority_admin): the
school's system administrator for their own school and superusers write; the district
office reads its schools' terms; every other role is refused (deny by default)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from recordpages.models import AuthorityKind, AuthorityTerm, RoleCode, SchoolYear
from tests.factories.pages import AuthorityPageFactory, SchoolFactory
from tests.factories.people import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NS = "wagtailsnippets_recordpages_authorityterm"


@pytest.fixture
def world():
    authority = AuthorityPageFactory()
    own = SchoolFactory(code="THHN", authority=authority)
    other = SchoolFactory(code="THAD", authority=authority)
    year, _ = SchoolYear.objects.get_or_create(
        name="2025-2026", defaults=SchoolYear.defaults_for(2025)
    )
    people = {
        "sysadmin": StaffFactory(school=own, roles=[RoleCode.SYSADMIN]),
        "principal": StaffFactory(school=own, roles=[RoleCode.PRINCIPAL]),
        "teacher": StaffFactory(school=own, roles=[RoleCode.TEACHER]),
        "other_sysadmin": StaffFactory(school=other, roles=[RoleCode.SYSADMIN]),
        "office": StaffFactory(school=None, authority=authority, roles=[RoleCode.DISTRICT_OFFICE]),
        "inspector": StaffFactory(school=None, authority=authority, roles=[RoleCode.INSPECTOR]),
    }
    term = AuthorityTerm.objects.create(
        school=own,
        starts=year,
        kind=AuthorityKind.COMMUNE,
        issuing_body="UBND PHƯỜNG HƯNG ĐẠO",
        authority_name="Ủy ban nhân dân phường Hưng Đạo",
        professional_body="Sở Giáo dục và Đào tạo Hải Phòng",
        commune="Phường Hưng Đạo",
        province="Thành phố Hải Phòng",
    )
    return {"own": own, "other": other, "year": year, "term": term, **people}


def _client(staff=None, user=None) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user or staff.user)
    return client


def _form(school, year, body="UBND PHƯỜNG DƯƠNG KINH") -> dict:
    return {
        "school": school.pk,
        "starts": year.pk,
        "kind": AuthorityKind.COMMUNE,
        "issuing_body": body,
        "authority_name": "Ủy ban nhân dân phường Dương Kinh",
        "professional_body": "Sở Giáo dục và Đào tạo Hải Phòng",
        "commune": "Phường Dương Kinh",
        "district": "",
        "province": "Thành phố Hải Phòng",
    }


def _year(first: int) -> SchoolYear:
    return SchoolYear.objects.get_or_create(
        name=f"{first}-{first + 1}", defaults=SchoolYear.defaults_for(first)
    )[0]


def test_the_schools_system_administrator_adds_and_edits_its_terms(world):
    client = _client(world["sysadmin"])
    response = client.post(reverse(f"{NS}:add"), _form(world["own"], _year(2027)))
    assert response.status_code == 302, response.content[:2000]
    added = AuthorityTerm.objects.get(school=world["own"], starts__name="2027-2028")
    assert added.issuing_body == "UBND PHƯỜNG DƯƠNG KINH" and added.district == ""

    term = world["term"]
    data = _form(world["own"], world["year"], body="UBND PHƯỜNG HƯNG ĐẠO MỚI")
    assert client.post(reverse(f"{NS}:edit", args=[term.pk]), data).status_code == 302
    term.refresh_from_db()
    assert term.issuing_body == "UBND PHƯỜNG HƯNG ĐẠO MỚI"


def test_a_system_administrator_cannot_add_a_term_for_another_school(world):
    client = _client(world["sysadmin"])
    response = client.post(reverse(f"{NS}:add"), _form(world["other"], _year(2027)))
    assert response.status_code == 200  # the form again, with the school refused
    assert not AuthorityTerm.objects.filter(school=world["other"]).exists()


def test_another_schools_terms_are_not_found_for_a_system_administrator(world):
    client = _client(world["other_sysadmin"])
    term = world["term"]
    assert client.get(reverse(f"{NS}:edit", args=[term.pk])).status_code == 404
    data = _form(world["own"], world["year"], body="UBND XÃ KHÁC")
    assert client.post(reverse(f"{NS}:edit", args=[term.pk]), data).status_code == 404
    assert client.post(reverse(f"{NS}:delete", args=[term.pk])).status_code == 404
    listing = client.get(reverse(f"{NS}:list"))
    assert "HƯNG ĐẠO" not in listing.content.decode()
    term.refresh_from_db()
    assert term.issuing_body == "UBND PHƯỜNG HƯNG ĐẠO"


def test_the_district_office_reads_its_schools_terms_and_changes_nothing(world):
    client = _client(world["office"])
    listing = client.get(reverse(f"{NS}:list"))
    assert listing.status_code == 200 and "UBND PHƯỜNG HƯNG ĐẠO" in listing.content.decode()
    term = world["term"]
    data = _form(world["own"], world["year"], body="UBND XÃ KHÁC")
    assert client.post(reverse(f"{NS}:edit", args=[term.pk]), data).status_code in (302, 403)
    assert client.post(reverse(f"{NS}:add"), _form(world["own"], _year(2027))).status_code in (
        302,
        403,
    )
    assert client.post(reverse(f"{NS}:delete", args=[term.pk])).status_code in (302, 403)
    term.refresh_from_db()
    assert term.issuing_body == "UBND PHƯỜNG HƯNG ĐẠO"
    assert AuthorityTerm.objects.count() == 1


@pytest.mark.parametrize("who", ["principal", "teacher", "inspector"])
def test_every_other_role_is_refused_every_term_screen(world, who):
    client = _client(world[who])
    term = world["term"]
    for url in (
        reverse(f"{NS}:list"),
        reverse(f"{NS}:add"),
        reverse(f"{NS}:edit", args=[term.pk]),
        reverse(f"{NS}:delete", args=[term.pk]),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        assert "HƯNG ĐẠO" not in response.content.decode()
    data = _form(world["own"], world["year"], body="UBND XÃ KHÁC")
    client.post(reverse(f"{NS}:edit", args=[term.pk]), data)
    client.post(reverse(f"{NS}:add"), _form(world["own"], _year(2027)))
    term.refresh_from_db()
    assert term.issuing_body == "UBND PHƯỜNG HƯNG ĐẠO"
    assert AuthorityTerm.objects.count() == 1


def test_a_second_term_from_the_same_year_is_refused_in_vietnamese(world):
    client = _client(world["sysadmin"])
    response = client.post(reverse(f"{NS}:add"), _form(world["own"], world["year"]))
    assert response.status_code == 200
    assert "Trường này đã có cơ quan quản lý áp dụng từ năm học 2025-2026." in (
        response.content.decode()
    )
    assert AuthorityTerm.objects.count() == 1


def test_the_listing_shows_school_year_authority_ward_and_province(world):
    admin = UserFactory(username="quantri.tong", is_superuser=True, is_staff=True)
    html = _client(user=admin).get(reverse(f"{NS}:list")).content.decode().casefold()
    for label in ("trường", "từ năm học", "cơ quan chủ quản", "xã / phường", "tỉnh / thành phố"):
        assert label in html, label
    assert "phường hưng đạo" in html and "thành phố hải phòng" in html


def test_the_term_chooser_searches_the_issuing_body_within_the_users_schools(world):
    url = reverse("wagtailsnippetchoosers_recordpages_authorityterm:choose_results")
    mine = _client(world["sysadmin"]).get(url, {"q": "hung dao"})
    assert mine.status_code == 200 and "UBND PHƯỜNG HƯNG ĐẠO" in mine.content.decode()
    theirs = _client(world["other_sysadmin"]).get(url, {"q": "hung dao"})
    assert theirs.status_code == 200 and "HƯNG ĐẠO" not in theirs.content.decode()
