"""Help in the admin is the product's own Vietnamese guide, and no admin page makes the
browser ask another host for anything (Wagtail's guide, release notes, Gravatar)."""

from __future__ import annotations

import re

from django.test import TestCase

from tests.cms.test_admin_vietnamese import _sidebar_props, english_found, visible_text
from tests.conftest import load_small_district

# Attributes that make the browser fetch or open something.
URL_ATTRIBUTES = re.compile(r'\b(?:src|href|srcset|poster|data-src|avatarUrl)"?\s*[=:]\s*"([^"]+)"')


# Wagtail's <noscript> note links to instructions for turning JavaScript on: a plain
# link shown only without JavaScript, which the browser never fetches by itself.
NOSCRIPT_LINK = "https://www.enable-javascript.com/"


def outside_urls(html: str) -> list[str]:
    """URLs of the page that point to another host (scheme or protocol-relative)."""
    return [
        url
        for url in URL_ATTRIBUTES.findall(html)
        if re.match(r"^(?:[a-z]+:)?//", url) and url != NOSCRIPT_LINK
    ]


class HelpIsTheProductsGuideTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        from django.contrib.auth import get_user_model

        cls.teacher = get_user_model().objects.get(username="hn.giaovien")

    def setUp(self):
        self.client.force_login(self.teacher)

    def _help_items(self) -> list[dict]:
        props = _sidebar_props(self.client.get("/admin/").content.decode())
        menu = [m for m in props["modules"] if m["_type"].endswith("MainMenuModule")][0]
        help_menu = [i for i in menu["_args"][0] if i["_args"][0]["name"] == "help"][0]
        return [item["_args"][0] for item in help_menu["_args"][1]]

    def test_help_menu_opens_the_products_guide_not_wagtails(self):
        items = self._help_items()
        self.assertEqual(items[0]["label"], "Hướng dẫn sử dụng")
        self.assertEqual(items[0]["url"], "/admin/huong-dan/")
        labels = [item["label"] for item in items]
        self.assertNotIn("Hướng dẫn biên tập", labels)  # Wagtail's English editor guide
        self.assertFalse([label for label in labels if "Wagtail" in label], labels)

    def test_guide_explains_handing_in_reviewing_and_who_does_what(self):
        response = self.client.get("/admin/huong-dan/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertEqual(english_found(html), [])
        text = visible_text(html)
        for phrase in ("Nộp bằng tệp", "Nộp bằng biểu mẫu", "Kiểm tra, duyệt, ký", "Ai làm gì"):
            self.assertIn(phrase, text)

    def test_guide_needs_a_login(self):
        self.client.logout()
        response = self.client.get("/admin/huong-dan/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_no_admin_page_asks_another_host_for_an_image_or_a_link(self):
        from recordpages.models import LessonPlanPage, SchoolPage

        school = SchoolPage.objects.get(school__code="THHN")
        lesson = LessonPlanPage.objects.filter(owner=self.teacher).first()
        for url in (
            "/admin/",
            f"/admin/pages/{school.pk}/",
            f"/admin/pages/{lesson.pk}/edit/",
            f"/admin/pages/{lesson.pk}/history/",
            "/admin/account/",
            "/admin/huong-dan/",
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            self.assertEqual(outside_urls(response.content.decode()), [], url)
