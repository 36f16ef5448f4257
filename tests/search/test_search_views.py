"""The admin screen and the JSON endpoint read through the same scoped selector."""

from __future__ import annotations

import pytest
from conftest import add_other_record, approve_record
from django.urls import reverse

from search.services import search_drain, search_enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed(backend, district):
    draft = add_other_record(
        district, "s1", "Biên bản họp tổ", "Kế hoạch bồi dưỡng", author=district.staff["teacher"]
    )
    approved = add_other_record(district, "s2", "Biên bản kiểm tra", "Kế hoạch kiểm tra nội bộ")
    approve_record(approved)
    search_enqueue(page_ids=[draft.pk, approved.pk])
    search_drain()
    backend.refresh()
    return draft, approved


def test_json_endpoint_gives_an_inspector_only_approved_records(client, district, indexed):
    draft, approved = indexed
    client.force_login(district.users["inspector"])
    data = client.get(reverse("search:json"), {"q": "ke hoach"}).json()
    assert data["total"] == 1
    assert [hit["page_id"] for hit in data["hits"]] == [approved.pk]
    assert data["hits"][0]["version"] == "approved"
    assert "<mark>Kế</mark>" in data["hits"][0]["snippet"]
    assert {f["value"] for f in data["facets"]["state"]} == {"approved"}
    assert data["facets"]["school"][0]["label"] == "Trường Tiểu học Anh Dũng"


def test_json_endpoint_filters_by_school_and_paginates(client, district, indexed):
    client.force_login(district.users["admin"])
    school = district.schools["s1"].pk
    data = client.get(reverse("search:json"), {"q": "ke hoach", "school": school}).json()
    assert [hit["school_id"] for hit in data["hits"]] == [school]
    data = client.get(reverse("search:json"), {"q": "ke hoach", "per_page": 1, "page": 2}).json()
    assert data["total"] == 2 and len(data["hits"]) == 1 and data["num_pages"] == 2


def test_anonymous_json_sees_only_published_school_plans(client, indexed):
    data = client.get(reverse("search:json"), {"q": "ke hoach"}).json()
    assert data["total"] == 0 and data["hits"] == []
    assert all(values == [] for values in data["facets"].values())


def test_admin_screen_shows_highlighted_hits_in_scope(client, district, indexed):
    draft, approved = indexed
    client.force_login(district.users["admin"])
    response = client.get(reverse("search_admin:screen"), {"q": "boi duong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>bồi</mark>" in html
    assert reverse("wagtailadmin_pages:edit", args=[draft.pk]) in html
    assert "Biên bản kiểm tra" not in html
