"""Page actions of Wagtail's admin API (/admin/api/main/pages/<id>/action/<name>/) are
switched off (issue #11, findings 9 and 10).

They copied a signed học bạ with no audit entry and let a teacher's delete of an
approved page end in a 500. Records change only through the workflow's screens,
which check the policy and write the audit chain; the API answers a 403 with a
Vietnamese JSON message, changes nothing, and the refused attempt is audited.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from security_helpers import force_login_verified
from wagtail.admin.api.views import PagesAdminAPIViewSet
from wagtail.models import Page

from recordpages.models import LessonPlanPage, School, StudentRecordPage, YearEndResult
from tests.factories import take_to
from workflow.models import AuditEntry, RecordState

REFUSAL = "API quản trị không thực hiện thao tác trên hồ sơ"


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    force_login_verified(client, get_user_model().objects.get(username=username))
    return client


def _action(client: Client, page_id: int, name: str, body: dict | None = None):
    return client.post(
        f"/admin/api/main/pages/{page_id}/action/{name}/",
        data=json.dumps(body or {}),
        content_type="application/json",
    )


def _signed_student_record() -> StudentRecordPage:
    school = School.objects.get(code="THHN")
    record = StudentRecordPage.objects.filter(school=school).first()
    # The year-end assessment the homeroom teacher enters in May (the demo is in
    # November): content, so a complete học bạ can be signed through the services.
    record.subject_results.update(level="T")
    record.competence_results.update(level="T")
    StudentRecordPage.objects.filter(pk=record.pk).update(year_end_result=YearEndResult.GOOD)
    take_to(record, "signed")
    return record


@pytest.mark.django_db
def test_principal_cannot_copy_a_signed_student_record_through_the_api(district):
    record = _signed_student_record()
    pages_before = Page.objects.count()
    audit_before = AuditEntry.objects.filter(action="access.refused").count()

    response = _action(
        _client("hn.hieutruong"),
        record.pk,
        "copy",
        {"destination_page_id": record.get_parent().pk, "slug": "ban-sao-hoc-ba"},
    )

    assert response.status_code == 403
    assert REFUSAL in response.json()["message"]
    assert Page.objects.count() == pages_before
    refused = AuditEntry.objects.filter(action="access.refused").order_by("-pk")
    assert refused.count() == audit_before + 1
    assert refused.first().object_id == str(record.pk)
    assert "copy" in refused.first().summary


@pytest.mark.django_db
def test_teacher_api_delete_of_an_approved_lesson_plan_is_refused_not_a_server_error(district):
    plan = LessonPlanPage.objects.filter(owner__username="hn.giaovien").first()
    plan = plan or LessonPlanPage.objects.filter(school__code="THHN").first()
    take_to(plan, "approved")

    response = _action(_client("hn.giaovien"), plan.pk, "delete")

    assert response.status_code in (403, 404)
    assert "message" in response.json()
    assert Page.objects.filter(pk=plan.pk).exists()
    assert RecordState.objects.get(pk=plan.pk).state == "approved"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PagesAdminAPIViewSet.actions))
def test_every_page_action_of_the_admin_api_is_refused(district, name):
    record = _signed_student_record()
    record.refresh_from_db()
    before = (record.title, record.live, record.path, record.latest_revision_id)
    pages_before = Page.objects.count()

    response = _action(
        _client("hn.hieutruong"),
        record.pk,
        name,
        {"destination_page_id": record.get_parent().pk, "revision_id": record.latest_revision_id},
    )

    assert response.status_code == 403
    assert REFUSAL in response.json()["message"]
    record.refresh_from_db()
    assert (record.title, record.live, record.path, record.latest_revision_id) == before
    assert Page.objects.count() == pages_before


@pytest.mark.django_db
def test_superuser_api_actions_are_refused_too(district):
    """The audit chain has no exception: a superuser changes records through the workflow."""
    admin = get_user_model().objects.create_superuser("root", password="Root@2026xyz")
    client = Client(raise_request_exception=False)
    force_login_verified(client, admin)
    record = _signed_student_record()

    response = _action(client, record.pk, "unpublish")

    assert response.status_code == 403
    assert Page.objects.get(pk=record.pk).live == record.live


@pytest.mark.django_db
@pytest.mark.parametrize("body", [b"", b"{not json", b"[]", b"\xff\xfe"])
def test_garbage_api_action_bodies_get_a_client_error(district, body):
    record = _signed_student_record()
    response = _client("hn.hieutruong").post(
        f"/admin/api/main/pages/{record.pk}/action/move/",
        data=body,
        content_type="application/json",
    )
    assert 400 <= response.status_code < 500


@pytest.mark.django_db
def test_api_action_on_a_missing_page_is_a_404(district):
    response = _action(_client("hn.hieutruong"), 999_999, "delete")
    assert response.status_code == 404


@pytest.mark.django_db
def test_reading_the_pages_api_still_works(district):
    """The explorer's side panel reads this listing."""
    response = _client("hn.giaovien").get("/admin/api/main/pages/?for_explorer=1&child_of=root")
    assert response.status_code == 200
    assert response.json()["items"]


# --- finding 10: the project's own admin views answer bad requests with a 4xx -------

PROJECT_APPS = ("workflow", "accounts", "archive", "search", "reports", "imports", "recordpages")
GARBAGE_BODIES = [
    {"reason": "x" * 5000, "school": "abc", "page": "-1", "action": "\u202e", "code": "' OR 1=1"},
    {"requested_by": "999999", "school_year": "0", "record_type": "khong-co", "text": ""},
]
# Server errors found here in files of other owners, reported to them (issue #11, finding 10);
# skipped until fixed, so that this test guards every other screen meanwhile.
# Views that still answer a bad request with a 500 (none: keep it empty).
KNOWN_CRASHES: set[str] = set()
GARBAGE_QUERY = {"q": "\x00%", "page": "abc", "school": "x", "year": "-5", "p": "9" * 30}


def _project_admin_urls() -> list[tuple[str, str]]:
    """(name, url) of every admin URL whose view lives in the project, ids nonexistent."""
    from django.urls import URLPattern, URLResolver, get_resolver, reverse

    def walk(resolver, namespaces=()):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, namespaces + ((entry.namespace,) if entry.namespace else ()))
            elif isinstance(entry, URLPattern) and entry.name:
                yield ":".join(namespaces + (entry.name,)), entry

    urls, seen = [], set()
    for name, entry in walk(get_resolver()):
        module = getattr(entry.callback, "__module__", "") or ""
        if module.split(".")[0] not in PROJECT_APPS or name in seen or name in KNOWN_CRASHES:
            continue
        converters = entry.pattern.converters
        kwargs = {
            arg: 999_999 if type(conv).__name__ == "IntConverter" else "khong-co"
            for arg, conv in converters.items()
        }
        url = reverse(name, kwargs=kwargs)
        if url.startswith("/admin/"):
            seen.add(name)
            urls.append((name, url))
    return urls


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["hn.hieutruong", "hn.quantri"])
def test_project_admin_views_answer_missing_ids_and_garbage_with_a_client_error(district, username):
    client = _client(username)
    crashes = []
    urls = _project_admin_urls()
    assert len(urls) > 40  # the resolver walk found the project's screens
    for name, url in urls:
        requests = [("GET", lambda u=url: client.get(u, GARBAGE_QUERY))]
        requests += [("POST", lambda u=url, b=body: client.post(u, b)) for body in GARBAGE_BODIES]
        requests.append(
            ("POST json", lambda u=url: client.post(u, b"{\xff", content_type="application/json"))
        )
        for method, send in requests:
            status = send().status_code
            if status >= 500:
                crashes.append(f"{method} {name} {url}: {status}")
    assert not crashes, "\n".join(crashes)


@pytest.mark.django_db
def test_releasing_a_lock_that_does_not_exist_is_a_404_in_vietnamese(district):
    response = _client("hn.quantri").post("/admin/khoa-du-lieu/999999/mo/")
    assert response.status_code == 404
    assert "Không có khóa dữ liệu này." in response.content.decode()
