"""The admin screen and the JSON endpoint read through the same scoped selector."""

from __future__ import annotations

import pytest
from conftest import add_other_record, approve_record
from django.urls import reverse

from search.services import search_drain, search_enqueue

pytestmark = pytest.mark.django_db

# SQL statements of one search, whatever the number of hits: session, user, the
# asker's scope, the search itself, facet labels, signed-PDF links. Elasticsearch's
# search asks none; PostgreSQL's adds its transaction and planner settings.
SEARCH_QUERIES = {
    ("database", "sqlite"): 11,
    ("database", "postgresql"): 15,
    ("elasticsearch", "sqlite"): 8,
    ("elasticsearch", "postgresql"): 8,
}


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
    assert reverse("workflow_record", args=[draft.pk]) in html
    assert "Biên bản kiểm tra" not in html


def test_hits_link_to_the_read_only_record_view_for_an_inspector(client, district, indexed):
    draft, approved = indexed
    client.force_login(district.users["inspector"])
    data = client.get(reverse("search:json"), {"q": "ke hoach"}).json()
    assert data["hits"][0]["url"] == reverse("workflow_record", args=[approved.pk])
    assert data["hits"][0]["url"] == f"/admin/ho-so/{approved.pk}/"
    client.force_login(district.users["admin"])  # the admin screen: same links
    response = client.get(reverse("search_admin:screen"), {"q": "ke hoach"})
    html = response.content.decode()
    assert f'href="/admin/ho-so/{approved.pk}/"' in html
    assert f'href="/admin/ho-so/{draft.pk}/"' in html
    assert "/edit/" not in html


def test_public_hits_link_to_the_public_page(client, backend, district):
    from wagtail.models import Page, Site

    from workflow.models import RecordState

    plan = add_other_record(district, "s1", "Kế hoạch giáo dục nhà trường", "Kế hoạch năm học")
    approve_record(plan)
    RecordState.objects.filter(page_id=plan.pk).update(record_type="school_plan", state="published")
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "testserver", "root_page": Page.objects.get(pk=plan.pk).get_parent()},
    )
    search_enqueue(page_ids=[plan.pk])
    search_drain()
    backend.refresh()
    data = client.get(reverse("search:json"), {"q": "ke hoach"}).json()
    assert [hit["page_id"] for hit in data["hits"]] == [plan.pk]
    url = data["hits"][0]["url"]
    assert url == Page.objects.get(pk=plan.pk).url
    assert url and "/admin/" not in url


def test_a_search_asks_the_database_the_same_number_of_times_for_any_number_of_hits(
    client, district, backend, settings, django_assert_num_queries
):
    """Links, signed-PDF links and facet labels of a page of hits are read in one
    query each: a page of three approved hits costs what a page of one does."""
    from django.db import connection

    settings.HOSO_SEARCH = {
        **settings.HOSO_SEARCH,
        "SIGNED_PDF_URLS": "archive.selectors.signed_pdf_urls",
    }
    for key in ("s1", "s2", "s2"):
        record = add_other_record(district, key, "Biên bản kiểm tra", "Kế hoạch kiểm tra")
        approve_record(record)
        search_enqueue(page_ids=[record.pk])
    search_drain()
    backend.refresh()
    client.force_login(district.users["inspector"])
    client.get(reverse("search:json"), {"q": "ke hoach"})
    expected = SEARCH_QUERIES[backend.name, connection.vendor]
    for per_page in (1, 3):
        with django_assert_num_queries(expected):
            data = client.get(reverse("search:json"), {"q": "ke hoach", "per_page": per_page})
        assert len(data.json()["hits"]) == per_page
