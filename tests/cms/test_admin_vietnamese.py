"""The Wagtail admin a teacher meets is Vietnamese.

Wagtail 8.0.1's own Vietnamese catalog leaves most of the admin in English; the
project's catalog (locale/vi/LC_MESSAGES/django.po and djangojs.po, compiled .mo
files committed) fills the gaps. These tests render real admin screens as a group
leader of the small test district and look for English words in the *visible*
text only: tag names, CSS classes, URLs and other attributes are stripped first,
but labels a user can see or hear (title, aria-label, placeholder, alt) and the
sidebar menu labels (rendered client-side from a JSON script) are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

from django.test import TestCase
from django.utils import translation

from tests.conftest import load_small_district

USERNAME = "hn.totruong1"

# English phrases Wagtail shows untranslated without the project's catalog.
ENGLISH = [
    "Pages",
    "Images",
    "Documents",
    "Search all pages",
    "Help",
    "Reports",
    "Save draft",
    "Publish",
    "Dashboard",
    "Settings",
    "Site history",
    "Aging pages",
    "Page types usage",
    "Editor Guide",
    "Keyboard shortcuts",
    "Log out",
    "Account",
    "Edit",
    "Delete",
    "Copy",
    "Move",
    "History",
    "Preview",
    "Status",
    "Comments",
    "Title",
    "Updated",
    "Type",
    "Sort",
    "Filter",
    "Choose",
    "Add child page",
    "Select all",
    "More actions",
    "Your most recent edits",
    "Site summary",
    "Sign in",
    "Forgotten password",
    "Remember me",
    "Draft",
    "Live",
    "Unpublish",
    "Privacy",
    "Locked",
]

VISIBLE_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
JSON_LABEL_KEYS = {"label", "title", "text", "heading", "helpText"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._in_script = 0
        self._json_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._in_script += 1
            self._json_script = attributes.get("type") == "application/json"
        for name, value in attrs:
            if name in VISIBLE_ATTRIBUTES and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._in_script = max(0, self._in_script - 1)
            self._json_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.chunks.append(data)
        elif self._json_script:
            try:
                self._collect_labels(json.loads(data))
            except ValueError:
                pass

    def _collect_labels(self, node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in JSON_LABEL_KEYS and isinstance(value, str):
                    self.chunks.append(value)
                else:
                    self._collect_labels(value)
        elif isinstance(node, list):
            for value in node:
                self._collect_labels(value)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.chunks).split())


def english_found(html: str) -> list[str]:
    text = visible_text(html)
    return [
        phrase for phrase in ENGLISH if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text)
    ]


class AdminIsVietnameseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        from django.contrib.auth import get_user_model

        from recordpages.models import LessonPlanPage, SchoolPage

        cls.user = get_user_model().objects.get(username=USERNAME)
        cls.school_page = SchoolPage.objects.get(school__code="THHN")
        cls.lesson = LessonPlanPage.objects.filter(owner=cls.user).order_by("live", "pk").first()

    def setUp(self):
        self.client.force_login(self.user)

    def assertVietnamese(self, url: str):
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200, url)
        html = response.content.decode()
        self.assertIn('lang="vi"', html, url)
        self.assertEqual(english_found(html), [], f"English left on {url}")
        return html

    def test_admin_home(self):
        html = self.assertVietnamese("/admin/")
        text = visible_text(html)
        # Wagtail's stock "Báo cáo" menu is gone for school accounts (it listed other
        # schools' titles); its translation is still checked in the gettext test below.
        for phrase in ("Trang", "Hình ảnh", "Tài liệu", "Tìm kiếm hồ sơ", "Trợ giúp"):
            self.assertIn(phrase, text)
        self.assertIn("Tìm kiếm tất cả các trang…", html)

    def test_explorer_of_the_school_page(self):
        self.assertVietnamese(f"/admin/pages/{self.school_page.pk}/")

    def test_pupil_listing(self):
        self.assertVietnamese("/admin/snippets/recordpages/pupil/")

    def test_lesson_plan_editor(self):
        self.assertIsNotNone(self.lesson, "the group leader owns a lesson plan")
        html = self.assertVietnamese(f"/admin/pages/{self.lesson.pk}/edit/")
        self.assertIn("Lưu bản nháp", html)

    def test_login_page(self):
        self.client.logout()
        response = self.client.get("/admin/login/")
        self.assertEqual(response.status_code, 200)
        found = english_found(response.content.decode())
        self.assertEqual(found, [])
        self.assertIn("Đăng nhập vào Wagtail", visible_text(response.content.decode()))

    def test_javascript_catalog_is_vietnamese(self):
        response = self.client.get("/admin/jsi18n/")
        self.assertEqual(response.status_code, 200)
        body = response.content.decode("utf-8")
        label = "Trình duyệt trang"  # "Page explorer", from djangojs.po
        self.assertTrue(label in body or json.dumps(label)[1:-1] in body)

    def test_catalog_covers_core_admin_strings(self):
        with translation.override("vi"):
            for msgid, expected in [
                ("Save draft", "Lưu bản nháp"),
                ("Search all pages…", "Tìm kiếm tất cả các trang…"),
                ("Reports", "Báo cáo"),
                ("Help", "Trợ giúp"),
                ("Images", "Hình ảnh"),
                ("Documents", "Tài liệu"),
                ("Settings", "Cài đặt"),
            ]:
                self.assertEqual(translation.gettext(msgid), expected)

    def test_account_menu_shows_the_full_name_family_name_first(self):
        props = _sidebar_props(self.client.get("/admin/").content.decode())
        account = [m for m in props["modules"] if m["_type"].endswith("MainMenuModule")][0]
        # Wagtail shows `first_name` alone: the given name "Dung", not who this is.
        self.assertEqual(account["_args"][2]["name"], "Nguyễn Phương Dung")

    def test_page_history_names_the_editor_family_name_first(self):
        text = visible_text(self.assertVietnamese(f"/admin/pages/{self.lesson.pk}/history/"))
        self.assertIn("Nguyễn Phương Dung", text)
        self.assertNotIn("Dung Nguyễn Phương", text)

    def test_relative_times_are_vietnamese(self):
        from django.utils.timesince import timesince
        from django.utils.timezone import now
        from wagtail.admin.templatetags.wagtailadmin_tags import (
            timesince_last_update,
            timesince_simple,
        )

        moment = now()
        with translation.override("vi"):
            for seconds, expected in [
                (7 * 60, "7\xa0phút"),
                (2 * 3600, "2\xa0giờ"),
                (3 * 86400, "3\xa0ngày"),
                (15 * 86400, "2\xa0tuần"),
                (65 * 86400, "2\xa0tháng"),
                (800 * 86400, "2\xa0năm"),
            ]:
                then = moment - dt.timedelta(seconds=seconds)
                self.assertEqual(timesince(then, moment).split(",")[0], expected)
            self.assertEqual(timesince_simple(moment), "vừa xong")
            self.assertEqual(timesince_simple(moment - dt.timedelta(minutes=7)), "7\xa0phút trước")
            self.assertEqual(
                timesince_last_update(moment - dt.timedelta(days=3)), "3\xa0ngày trước"
            )

    def test_history_never_says_minutes(self):
        text = visible_text(
            self.client.get(f"/admin/pages/{self.lesson.pk}/history/").content.decode()
        )
        self.assertNotRegex(text, r"\b(minutes?|hours?|days?|weeks?|months?|years?)\b")


def _sidebar_props(html: str) -> dict:
    found = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))
