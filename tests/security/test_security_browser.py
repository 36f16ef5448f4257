"""A real browser journey (headless Debian chromium driven by Playwright): the teacher
hn.giaovien signs in through the Wagtail login form and opens the page explorer.

Needs the Debian package `chromium` (/usr/bin/chromium) and the `playwright` Python
package; Playwright's own browser downloads are never used. Screenshots go to
artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("HOSO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_or_skip():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("The playwright Python package is missing: pip install playwright")
    return sync_playwright


@pytest.fixture
def browser_page(live_server, monkeypatch):
    sync_playwright = _browser_or_skip()
    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, the test's before the loop starts.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


@pytest.mark.django_db(transaction=True)
def test_teacher_signs_in_and_opens_the_page_explorer(live_server, browser_page):
    from tests.conftest import load_small_district

    load_small_district()
    from recordpages.demo.loader import DEMO_PASSWORD

    page = browser_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "hn.giaovien")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/pages/")
    page.wait_for_load_state("networkidle")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "teacher_page_explorer.png"), full_page=True)

    assert "/admin/pages/" in page.url
    body = page.inner_text("body")
    assert "Hòa Nghĩa" in body
    assert "Anh Dũng" not in body


# --- finding 11: the Content-Security-Policy holds in a real browser ---------------

# Every violation is reported on the console, across navigations (the listener is
# installed by Playwright before any page script, outside the page's policy).
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP-VIOLATION ${event.violatedDirective} ${event.blockedURI} `
    + `${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""


def _editable_record(model, school_code: str):
    from workflow.models import RecordState

    record = model.objects.filter(school__code=school_code).first()
    RecordState.objects.filter(pk=record.pk).update(state="draft")
    return record


@pytest.mark.django_db(transaction=True)
def test_admin_public_site_and_verification_work_under_the_content_security_policy(
    live_server, browser_page
):
    from tests.conftest import load_small_district

    load_small_district()
    from recordpages.demo.loader import DEMO_PASSWORD
    from recordpages.models import LessonPlanPage, SchoolPage, StudentRecordPage

    student_record = _editable_record(StudentRecordPage, "THHN")
    lesson_plan = _editable_record(LessonPlanPage, "THHN")
    school_url = SchoolPage.objects.get(school__code="THHN").url

    page = browser_page
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if "CSP-VIOLATION" in msg.text or "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"JS error: {error}"))
    page.add_init_script(_REPORT_VIOLATIONS)
    base = live_server.url

    response = page.goto(f"{base}/admin/login/")
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    page.fill("input[name=username]", "hn.phohieutruong")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#wagtail-sidebar").count() == 1  # the sidebar is drawn by JS
    page.wait_for_selector("[data-wagtail-sidebar] nav, .sidebar", timeout=15_000)

    # The học bạ editor: its result grids are driven by static/recordpages/grid.js.
    page.goto(f"{base}/admin/pages/{student_record.pk}/edit/")
    page.wait_for_load_state("networkidle")
    assert "/edit/" in page.url, f"editor refused: {page.url}"
    cell = page.locator("table[data-hoso-grid] input[name='competence_results-0-level']")
    cell.fill("")
    cell.type("d")  # a D where the competence levels have Đ
    assert cell.input_value() == "Đ"
    cell.press("ArrowDown")
    focused = page.evaluate("document.activeElement.name")
    assert focused == "competence_results-1-level", focused
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "csp_student_record_editor.png"), full_page=True)

    # The lesson plan editor: its date fields get Wagtail's date picker.
    page.goto(f"{base}/admin/pages/{lesson_plan.pk}/edit/")
    page.wait_for_load_state("networkidle")
    assert "/edit/" in page.url, f"editor refused: {page.url}"
    assert page.locator("script[data-hoso-init='initDateChooser'][data-hoso-done]").count() >= 1

    for path in ("/", school_url, "/xac-thuc/"):
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")

    assert not problems, "\n".join(problems)
