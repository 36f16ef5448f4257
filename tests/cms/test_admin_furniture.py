"""The admin's sidebar and keyboard-shortcuts dialog are built once per user and
language, not on every page (accounts/furniture.py, issue 18), and never shown to
somebody they were not built for."""

from __future__ import annotations

import json
import re

from django.contrib.auth import get_user_model
from django.test import TestCase
from wagtail import hooks

from accounts import furniture
from recordpages.models import Role, RoleCode, StaffProfile
from tests.conftest import load_small_district

User = get_user_model()
LOCKS = "Khóa dữ liệu"


def sidebar(html: str) -> dict:
    found = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def menu_labels(props: dict) -> set[str]:
    labels: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.add(node["label"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    return labels


class MenuBuilds:
    """Counts the sidebar menus Wagtail builds (construct_main_menu runs once a build)."""

    def __init__(self):
        self.count = 0

    def __call__(self, request, menu_items):
        self.count += 1


class AdminFurnitureTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        cls.teacher = User.objects.get(username="hn.giaovien")
        cls.principal = User.objects.get(username="hn.hieutruong")

    def open_dashboard(self, **headers) -> str:
        response = self.client.get("/admin/", **headers)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_the_sidebar_is_built_once_per_sign_in(self):
        builds = MenuBuilds()
        with hooks.register_temporarily("construct_main_menu", builds):
            self.client.force_login(self.teacher)
            first = sidebar(self.open_dashboard())
            second = sidebar(self.open_dashboard())
            self.assertEqual(builds.count, 1)
            self.assertEqual(first, second)
            self.client.logout()
            self.client.force_login(self.teacher)  # a new sign-in, a new session
            self.open_dashboard()
            self.assertEqual(builds.count, 2)

    def test_a_role_given_shows_in_the_menu_on_the_next_page(self):
        self.client.force_login(self.teacher)
        self.assertNotIn(LOCKS, menu_labels(sidebar(self.open_dashboard())))
        staff = StaffProfile.objects.get(user=self.teacher)
        staff.roles.add(Role.objects.get(code=RoleCode.PRINCIPAL))
        staff.save()
        self.assertIn(LOCKS, menu_labels(sidebar(self.open_dashboard())))

    def test_two_users_never_share_a_sidebar(self):
        self.client.force_login(self.principal)
        principal = sidebar(self.open_dashboard())
        self.client.force_login(self.teacher)
        teacher = sidebar(self.open_dashboard())
        self.assertIn(LOCKS, menu_labels(principal))
        self.assertNotIn(LOCKS, menu_labels(teacher))
        names = [
            module["_args"][2]["name"]
            for props in (principal, teacher)
            for module in props["modules"]
            if module["_type"].endswith("MainMenuModule")
        ]
        self.assertEqual(len(set(names)), 2, names)

    def test_the_shortcuts_dialog_follows_the_browser(self):
        self.client.force_login(self.teacher)
        mac = self.open_dashboard(HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X)")
        windows = self.open_dashboard(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0)")
        self.assertIn("⌘", mac)
        self.assertNotIn("⌘", windows)
        self.assertIn("Ctrl", windows)

    def test_a_request_without_a_session_is_not_remembered(self):
        context = {"request": None}
        self.assertIsNone(furniture.sidebar_key(context))
        self.assertIsNone(furniture.dialog_key(context))
