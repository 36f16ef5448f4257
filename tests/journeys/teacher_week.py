"""The teacher's week as a person does it in a browser: hand in a grade-1 week as one
Word file, and as a form copied from last week. Every click, every field filled and
every file chosen is counted (`Tally`), so that the test asserts the targets of issue
15 and benchmarks/journey.py prints the same journey's server times.

The steps start on the admin dashboard, signed in; signing in is `sign_in`."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Tally:
    """What a person did: clicks, fields typed or chosen, files chosen, and how long."""

    clicks: int = 0
    fields: int = 0
    files: int = 0
    started: float = field(default_factory=time.monotonic)
    steps: list[str] = field(default_factory=list)

    def click(self, locator, why: str) -> None:
        locator.click()
        self.clicks += 1
        self.steps.append(f"click: {why}")

    def fill(self, locator, value: str, why: str) -> None:
        locator.fill(value)
        self.fields += 1
        self.steps.append(f"field: {why}")

    def choose_files(self, locator, paths: list[Path], why: str) -> None:
        locator.set_input_files([str(path) for path in paths])
        self.files += len(paths)
        self.steps.append(f"files: {why}")

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    def summary(self) -> str:
        return (
            f"{self.clicks} clicks, {self.fields} fields, {self.files} files, {self.seconds:.1f} s"
        )


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def hand_in(page, tally: Tally) -> None:
    """Nộp on the record page, or in the editor's footer (behind the footer menu's
    toggle), then the confirmation page's button."""
    if "/edit/" in page.url:
        footer = page.locator("footer")
        button = footer.locator("button[name='action-hand-in']")
        if not button.is_visible():
            tally.click(footer.locator("[data-w-dropdown-target='toggle']").first, "mở menu lưu")
        tally.click(button, "Nộp (chân trang soạn thảo)")
    else:
        tally.click(page.locator("main a.button", has_text="Nộp").first, "Nộp (trang hồ sơ)")
    page.wait_for_url(re.compile(r"/chuyen/submit/"))
    tally.click(page.locator("main form button[type=submit]").first, "xác nhận Nộp")
    page.wait_for_url(re.compile(r"/admin/ho-so/\d+/$"))


def wait_until_converted(page, *, timeout: float = 120) -> None:
    """The editor says when the file is converted; a teacher reloads until it does
    (the worker converts in the background: seconds for a week's file)."""
    deadline = time.monotonic() + timeout
    while "Đã chuyển sang PDF" not in page.inner_text("main"):
        if time.monotonic() > deadline:
            raise AssertionError("The file was not converted in time")
        time.sleep(1)
        page.reload()


def file_way(page, base_url: str, docx: Path) -> Tally:
    """From the dashboard: the week's Word file handed in, up to the record page."""
    tally = Tally()
    page.goto(f"{base_url}/admin/")
    tally.click(page.get_by_role("link", name="Nộp kế hoạch cả tuần bằng tệp"), "nộp bằng tệp")
    tally.choose_files(page.locator("input[name=files]"), [docx], "tệp Word của tuần")
    tally.click(page.get_by_role("button", name="Tiếp tục"), "Tiếp tục")
    tally.click(page.get_by_role("button", name="Tạo kế hoạch tuần"), "Tạo kế hoạch tuần")
    page.wait_for_url(re.compile(r"/admin/ho-so/\d+/$"))
    wait_until_converted(page)
    hand_in(page, tally)
    return tally


def form_way(page, base_url: str, changes: dict[str, str]) -> Tally:
    """From the dashboard: last week's plan copied, the fields that changed typed,
    handed in. `changes` maps a CSS selector in the editor to its new text."""
    tally = Tally()
    page.goto(f"{base_url}/admin/")
    tally.click(page.get_by_role("button", name="Chép từ tuần trước").first, "Chép từ tuần trước")
    page.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    for selector, text in changes.items():
        tally.fill(page.locator(selector).first, text, selector)
    hand_in(page, tally)
    return tally
