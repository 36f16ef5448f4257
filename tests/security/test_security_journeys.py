"""Real-browser journeys (headless Debian chromium driven by Playwright), issue 7.

Each journey signs in through the Wagtail login form, clicks through the real pages,
asserts what the person sees and what is stored (RecordState.state), and saves
screenshots to artifacts/screenshots/<journey>-<step>.png.

The browser fixture and the skip logic (chromium or playwright missing) come from
test_security_browser.py; under HOSO_REQUIRE_SERVICES=1 (CI) a skip is a failure.
"""

from __future__ import annotations

import re

import pytest
import test_security_browser

SCREENSHOTS = test_security_browser.SCREENSHOTS
browser_page = test_security_browser.browser_page  # the fixture, with its chromium skip

pytestmark = pytest.mark.django_db(transaction=True)


# --------------------------------------------------------------------------- helpers


def _setup():
    from tests.conftest import load_small_district
    from workflow.services import ensure_all_record_states

    load_small_district()
    ensure_all_record_states()


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def _state(page_id) -> str:
    from workflow.models import RecordState

    return RecordState.objects.get(pk=page_id).state


def _move(username, page_id, *transitions):
    from workflow.services import record_transition

    for transition in transitions:
        record_transition(user=_user(username), page_id=page_id, transition=transition)


def _shot(page, journey, step):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{journey}-{step}.png"), full_page=True)


def _login(page, base, username):
    from recordpages.demo.loader import DEMO_PASSWORD

    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def _transition(page, base, page_id, transition, label, journey, step):
    """On the record page click the transition button, then confirm it."""
    page.goto(f"{base}/admin/ho-so/{page_id}/")
    button = page.locator(f"a.button[href$='/admin/ho-so/{page_id}/chuyen/{transition}/']")
    assert button.count() == 1, f"no “{label}” button on the record page"
    assert button.inner_text().strip() == label
    button.click()
    page.wait_for_url(f"**/admin/ho-so/{page_id}/chuyen/{transition}/")
    _shot(page, journey, f"{step}-confirm")
    page.locator(".nice-padding form[method=post] button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/ho-so/{page_id}/")
    _shot(page, journey, step)


def _status(page) -> str:
    # text_content: the badge is upper-cased by CSS, the words are the state's label.
    return page.locator(".hoso-record-summary .w-status").text_content().strip()


def _lesson_plan_id():
    from recordpages.models import LessonPlanPage

    return LessonPlanPage.objects.get(teacher__user__username="hn.giaovien").pk


# --------------------------------------------------------------------------- journeys


def test_journey_1_teacher_writes_and_submits_a_lesson_plan(live_server, browser_page):
    from recordpages.models import LessonPlanPage

    _setup()
    page, base = browser_page, live_server.url
    plan_id = _lesson_plan_id()
    text = "Tiết 3 dạy chậm hơn dự kiến; chuyển phần luyện tập sang tiết sau."

    _login(page, base, "hn.giaovien")
    page.goto(f"{base}/admin/pages/{plan_id}/edit/")
    _shot(page, "j1-teacher", "1-editor")
    stored = LessonPlanPage.objects.get(pk=plan_id)
    # Product bug (see test_journey_1_editor_shows_the_stored_dates): the date fields
    # arrive holding the literal "d/m/Y"; the teacher retypes the dates to save at all.
    page.fill("#id_week_start", stored.week_start.strftime("%d/%m/%Y"))
    page.fill("#id_prepared_on", stored.prepared_on.strftime("%d/%m/%Y"))
    page.fill("#id_adjustments", text)
    page.locator("button.action-save").first.click()
    page.wait_for_load_state("networkidle")
    _shot(page, "j1-teacher", "2-saved")
    assert "/admin/pages/" in page.url
    errors = [
        t.strip()
        for t in page.locator(".error-message, .w-field__errors, .help-critical").all_inner_texts()
        if t.strip()
    ]
    assert not errors, errors
    assert page.locator(".messages .success").count() >= 1, page.inner_text(".messages")
    draft = LessonPlanPage.objects.get(pk=plan_id).get_latest_revision_as_object()
    assert draft.adjustments == text
    assert _state(plan_id) == "draft"

    _transition(page, base, plan_id, "submit", "Nộp", "j1-teacher", "3-submitted")
    assert _status(page) == "Đã nộp"
    assert _state(plan_id) == "submitted"


def test_journey_1_editor_shows_the_stored_dates(live_server, browser_page):
    from recordpages.models import LessonPlanPage

    _setup()
    page, base = browser_page, live_server.url
    plan_id = _lesson_plan_id()
    stored = LessonPlanPage.objects.get(pk=plan_id)
    _login(page, base, "hn.giaovien")
    page.goto(f"{base}/admin/pages/{plan_id}/edit/")
    _shot(page, "j1-teacher", "0-editor-dates")
    assert page.input_value("#id_week_start") == stored.week_start.strftime("%d/%m/%Y")
    assert page.input_value("#id_prepared_on") == stored.prepared_on.strftime("%d/%m/%Y")


def test_journey_2_group_leader_checks_from_the_home_panel(live_server, browser_page):
    from recordpages.models import LessonPlanPage

    _setup()
    page, base = browser_page, live_server.url
    plan_id = _lesson_plan_id()
    title = LessonPlanPage.objects.get(pk=plan_id).title
    _move("hn.giaovien", plan_id, "submit")

    _login(page, base, "hn.totruong1")
    panel = page.locator(
        "section.panel", has=page.locator("h2", has_text="Hồ sơ chờ tôi kiểm tra, duyệt")
    )
    assert panel.count() == 1
    _shot(page, "j2-leader", "1-home")
    assert title in panel.inner_text()
    panel.get_by_role("link", name=title).click()
    page.wait_for_url(f"{base}/admin/ho-so/{plan_id}/")
    assert _status(page) == "Đã nộp"
    # The leader may check or return, but not approve.
    assert page.locator("a[href$='/chuyen/approve/']").count() == 0

    _transition(page, base, plan_id, "check", "Kiểm tra", "j2-leader", "2-checked")
    assert _status(page) == "Đã kiểm tra"
    assert _state(plan_id) == "checked"


def test_journey_3_vice_principal_approves(live_server, browser_page):
    _setup()
    page, base = browser_page, live_server.url
    plan_id = _lesson_plan_id()
    _move("hn.giaovien", plan_id, "submit")
    _move("hn.totruong1", plan_id, "check")

    _login(page, base, "hn.phohieutruong")
    _shot(page, "j3-vp", "1-home")
    _transition(page, base, plan_id, "approve", "Duyệt", "j3-vp", "2-approved")
    assert _status(page) == "Đã duyệt"
    assert "SHA-256 bản đã duyệt" in page.inner_text(".hoso-record-summary")
    from workflow.models import RecordState

    record = RecordState.objects.get(pk=plan_id)
    assert (record.state, record.version) == ("approved", 1)
    assert record.approved_hash


def test_journey_4_clerk_confirms_paper_then_applies_the_seal(live_server, browser_page):
    from recordpages.models import StudentRecordPage
    from tests.workflow.conftest import complete_student_record

    _setup()
    page, base = browser_page, live_server.url
    records = StudentRecordPage.objects.filter(
        school_class__homeroom_teacher__user__username="hn.giaovien"
    ).order_by("pk")
    assert records.exists()
    record = records.first()
    complete_student_record(record)
    _move("hn.giaovien", record.pk, "submit")
    _move("hn.phohieutruong", record.pk, "approve")
    assert _state(record.pk) == "approved"

    # Before the clerk's confirmation the principal has no “Ký số”.
    _login(page, base, "hn.hieutruong")
    page.goto(f"{base}/admin/ho-so/{record.pk}/")
    _shot(page, "j4-hocba", "1-principal-before")
    assert _status(page) == "Đã duyệt"
    assert page.locator(".hoso-actions a", has_text="Ký số").count() == 0
    assert page.locator("a[href$='/chuyen/sign/']").count() == 0

    _login(page, base, "hn.vanthu")
    _transition(page, base, record.pk, "confirm_paper", "Xác nhận bản giấy", "j4-hocba", "2-clerk")
    assert _status(page) == "Đã xác nhận bản giấy"
    assert _state(record.pk) == "paper_confirmed"

    # The principal signed when approving; the seal is the clerk's (issue 13).
    _login(page, base, "hn.hieutruong")
    page.goto(f"{base}/admin/ho-so/{record.pk}/")
    assert page.locator("a[href$='/chuyen/sign/']").count() == 0
    _login(page, base, "hn.vanthu")
    _transition(page, base, record.pk, "sign", "Ký số", "j4-hocba", "3-signed")
    assert _status(page) == "Đã ký số"
    assert _state(record.pk) == "signed"


def test_journey_5_inspector_finds_a_plan_without_diacritics(live_server, browser_page):
    from recordpages.models import GroupTeachingPlanPage

    _setup()
    page, base = browser_page, live_server.url
    plan = (
        GroupTeachingPlanPage.objects.filter(
            school__code="THHN", group__leader__user__username="hn.totruong1"
        )
        .order_by("pk")
        .first()
    )
    assert plan is not None
    _move("hn.totruong1", plan.pk, "submit")
    _move("hn.phohieutruong", plan.pk, "approve")
    assert _state(plan.pk) == "approved"
    from search.services import search_drain, search_enqueue

    search_enqueue(page_ids=[plan.pk])
    search_drain()

    _login(page, base, "thanh.tra")
    page.goto(f"{base}/admin/tim-kiem/")
    _shot(page, "j5-inspector", "1-search")
    page.fill("#id_q", "ke hoach day hoc")
    page.locator(".nice-padding form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/admin/tim-kiem/\?.*q=ke"))
    _shot(page, "j5-inspector", "2-results")
    result = page.locator("ol li", has=page.get_by_role("link", name=plan.title))
    assert result.count() >= 1, page.inner_text("body")
    assert "bản đã duyệt" in result.first.inner_text()
    marks = result.first.locator("mark")
    assert marks.count() >= 1
    assert any(
        w in " ".join(marks.all_inner_texts()).lower() for w in ("kế", "hoạch", "dạy", "học")
    )
    assert _state(plan.pk) == "approved"


def test_journey_6_visitor_reads_a_published_school_plan(live_server, browser_page):
    from recordpages.models import SchoolPlanPage

    _setup()
    page, base = browser_page, live_server.url
    plan = SchoolPlanPage.objects.select_related("school").get(school__code="THHN")
    _move("hn.phohieutruong", plan.pk, "submit")
    _move("hn.hieutruong", plan.pk, "approve", "publish")
    assert _state(plan.pk) == "published"
    plan.refresh_from_db()
    school_name = plan.school.name

    page.goto(f"{base}/")
    _shot(page, "j6-visitor", "1-home")
    page.locator("ul.cards a", has_text=school_name).first.click()
    page.wait_for_load_state("networkidle")
    _shot(page, "j6-visitor", "2-school")
    card = page.locator("ul.plans li", has_text=plan.title)
    assert card.count() == 1, page.inner_text("body")
    card.get_by_role("link", name=f"Năm học {plan.school_year.name}").click()
    page.wait_for_load_state("networkidle")
    _shot(page, "j6-visitor", "3-plan")
    assert page.locator("h1").first.inner_text().strip() == plan.title
    body = page.inner_text("body")
    headings = page.locator("h2").all_inner_texts()
    assert len(headings) >= 2, headings
    assert "/admin/" not in page.url
    assert school_name in body or plan.title in body
