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
