"""The admin middlewares ask the policy (recordpages.permissions) about the resolved
view, not the URL's text, and the refused-access audit reads Wagtail's refusal through
the messages API, not Django's private storage (issue #12).

School A is Hòa Nghĩa (THHN), school B Anh Dũng (THAD), of the small demo district.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.urls import include, path, reverse
from security_helpers import force_login_verified
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, streamfield
from wagtail.users.models import UserProfile

from cms import urls as cms_urls
from recordpages.models import OtherRecordPage, SchoolPlanPage, SchoolYearPage
from workflow.models import AuditEntry

# The same site with the admin mounted at /quan-tri/ instead of /admin/.
urlpatterns = [path("quan-tri/", include(wagtailadmin_urls)), *cms_urls.urlpatterns[1:]]
MOVED_ADMIN = override_settings(ROOT_URLCONF=__name__)

# Wagtail's refusal, as its Vietnamese catalog says it.
WAGTAIL_REFUSAL_VI = "Bạn không có quyền truy cập vào khu vực này."


def _client(username: str, *, language: str = "") -> Client:
    user = get_user_model().objects.get(username=username)
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client(raise_request_exception=False)
    force_login_verified(client, user)
    return client


def _refused_count() -> int:
    return AuditEntry.objects.filter(action="access.refused").count()


# --- Switched-off stock screens ------------------------------------------------------


@pytest.mark.django_db
@MOVED_ADMIN
def test_stock_site_history_stays_off_for_school_staff_wherever_the_admin_is_mounted(district):
    url = reverse("wagtailadmin_reports:site_history")
    assert url.startswith("/quan-tri/")
    response = _client("hn.hieutruong").get(url)
    assert response.status_code == 404


@pytest.mark.django_db
def test_stock_workflow_screens_stay_off_for_school_staff_under_a_script_prefix(district):
    client = _client("hn.hieutruong")
    for name in ("wagtailadmin_reports:site_history", "wagtailadmin_workflows:index"):
        response = client.get(reverse(name), SCRIPT_NAME="/hoso")
        assert response.status_code == 404, name


@pytest.mark.django_db
@MOVED_ADMIN
def test_superuser_still_opens_the_stock_reports_wherever_the_admin_is_mounted(district):
    admin = get_user_model().objects.create_superuser("root", password="Root@2026xyz")
    client = Client()
    force_login_verified(client, admin)
    response = client.get(reverse("wagtailadmin_reports:site_history"))
    assert response.status_code == 200


@pytest.mark.django_db
@MOVED_ADMIN
def test_page_chooser_does_not_browse_another_schools_page_wherever_the_admin_is_mounted(
    district,
):
    other = SchoolPlanPage.objects.get(school__code="THAD")
    client = _client("hn.hieutruong")
    response = client.get(reverse("wagtailadmin_choose_page_child", args=[other.pk]))
    assert response.status_code == 404
    assert other.title not in response.content.decode()


@pytest.mark.django_db
@MOVED_ADMIN
def test_page_chooser_browses_a_page_of_the_users_own_school(district):
    own = SchoolPlanPage.objects.get(school__code="THHN")
    response = _client("hn.hieutruong").get(
        reverse("wagtailadmin_choose_page_child", args=[own.pk])
    )
    assert response.status_code == 200


# --- Wagtail's refusals on the audit chain --------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["", "vi", "en"])
def test_a_wagtail_refusal_is_audited_once_whatever_the_users_admin_language(district, language):
    plan = SchoolPlanPage.objects.get(school__code="THHN")  # only leaders edit it
    client = _client("hn.giaovien", language=language)
    before = _refused_count()

    response = client.get(reverse("wagtailadmin_pages:edit", args=[plan.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert _refused_count() == before + 1
    entry = AuditEntry.objects.filter(action="access.refused").latest("pk")
    assert entry.actor.username == "hn.giaovien"
    assert f"/admin/pages/{plan.pk}/edit/" in entry.summary


@pytest.mark.django_db
def test_the_audit_does_not_consume_wagtails_refusal_message(district):
    plan = SchoolPlanPage.objects.get(school__code="THHN")
    client = _client("hn.giaovien", language="vi")

    response = client.get(reverse("wagtailadmin_pages:edit", args=[plan.pk]), follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert any(WAGTAIL_REFUSAL_VI in message for message in shown)


@pytest.mark.django_db
def test_a_record_titled_like_wagtails_refusal_is_not_a_refused_access(district):
    """Wagtail's success message quotes the title: quoting the refusal is no refusal."""
    client = _client("hn.hieutruong")
    year_page = SchoolYearPage.objects.filter(school__code="THHN").order_by("-pk").first()
    data = nested_form_data(
        {
            "title": WAGTAIL_REFUSAL_VI,
            "category": "Kế hoạch khác",
            "deadline": "2025-10-20",
            "attachment": "",
            "body": streamfield([("section", {"heading": "Mục đích", "body": "<p>Nội dung.</p>"})]),
        }
    )
    before = _refused_count()

    response = client.post(
        reverse("wagtailadmin_pages:add", args=["recordpages", "otherrecordpage", year_page.pk]),
        data,
    )

    assert response.status_code == 302
    # Records have no promote tab, so no slug field: the page is found by the redirect.
    page = OtherRecordPage.objects.get(pk=response["Location"].split("/")[-3])
    assert page.title == WAGTAIL_REFUSAL_VI
    assert Page.objects.filter(pk=page.pk).exists()
    assert _refused_count() == before
