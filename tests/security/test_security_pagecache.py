"""The shared page cache (pagecache/): anonymous visitors get cached public pages, a
logged-in user never does, publishing and unpublishing invalidate it, and a page that is
not public stays 404 — before and after someone asked for it."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext

from pagecache import store
from recordpages.models import SchoolPlanPage
from tests.conftest import load_small_district
from tests.factories import take_to
from workflow.events import record_transitioned
from workflow.models import RecordState

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pagecache": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pc"},
}


def _retitle_silently(plan, title: str) -> None:
    """Change what the page shows without any signal: only the cache can hide it."""
    SchoolPlanPage.objects.filter(pk=plan.pk).update(title=title)


class PageCacheTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        plans = SchoolPlanPage.objects.select_related("school").order_by("school__code")
        cls.published = plans.get(school__code="THHN")  # published by the principal
        cls.draft = plans.get(school__code="THAD")  # live in Wagtail, never published
        take_to(cls.published, "published")

    def setUp(self):
        store.cache().clear()
        self.addCleanup(store.cache().clear)

    def test_anonymous_second_request_is_a_hit_without_page_queries(self):
        plan = self.published
        first = self.client.get(plan.url)
        assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
        with CaptureQueriesContext(connection) as queries:
            second = self.client.get(plan.url)
        assert second.status_code == 200 and second["X-Page-Cache"] == "hit"
        assert second.content == first.content
        # The DatabaseCache read is the only query: no session, user, page or hook query.
        assert len(queries) == 1, [q["sql"] for q in queries]
        assert "pagecache_entries" in queries[0]["sql"]
        control = second["Cache-Control"]
        assert "public" in control and "max-age=60" in control
        assert "Cookie" in second["Vary"]
        head = self.client.head(plan.url)
        assert head.status_code == 200 and head["X-Page-Cache"] == "hit" and head.content == b""

    def test_with_an_in_memory_shared_cache_a_hit_issues_zero_queries(self):
        plan = self.published
        with override_settings(CACHES=LOCMEM):
            assert self.client.get(plan.url)["X-Page-Cache"] == "miss"
            with CaptureQueriesContext(connection) as queries:
                hit = self.client.get(plan.url)
            assert hit["X-Page-Cache"] == "hit"
            assert len(queries) == 0, [q["sql"] for q in queries]

    def test_logged_in_user_never_gets_nor_fills_a_cached_page(self):
        plan = self.published
        assert self.client.get(plan.url)["X-Page-Cache"] == "miss"
        _retitle_silently(plan, "Tiêu đề mới chưa vào bộ đệm")
        assert "Tiêu đề mới" not in self.client.get(plan.url).content.decode()  # anonymous: cached
        user = get_user_model().objects.create_superuser("pc.admin", "pc@example.org", "x" * 12)
        self.client.force_login(user)
        for _ in range(2):
            response = self.client.get(plan.url)
            assert response.status_code == 200
            assert "X-Page-Cache" not in response
            assert "Tiêu đề mới chưa vào bộ đệm" in response.content.decode()
            assert "public" not in response.get("Cache-Control", "")

    def test_any_session_cookie_bypasses_the_cache(self):
        plan = self.published
        self.client.get(plan.url)
        self.client.cookies["sessionid"] = "not-a-real-session"
        assert "X-Page-Cache" not in self.client.get(plan.url)

    def test_publishing_a_new_revision_invalidates(self):
        # A published plan is read-only; its school page (always public) is not.
        school = self.published.get_parent().get_parent().specific
        assert self.client.get(school.url).status_code == 200
        assert self.client.get(school.url)["X-Page-Cache"] == "hit"
        school.seo_title = "Trường đã đổi tên và công bố lại"
        with self.captureOnCommitCallbacks(execute=True):
            school.save_revision().publish()
        response = self.client.get(school.url)
        assert response["X-Page-Cache"] == "miss"
        assert "Trường đã đổi tên và công bố lại" in response.content.decode()

    def test_unpublishing_invalidates(self):
        school = self.published.get_parent().get_parent().specific
        assert self.client.get(school.url).status_code == 200
        assert self.client.get(school.url)["X-Page-Cache"] == "hit"
        with self.captureOnCommitCallbacks(execute=True):
            school.unpublish()
        assert self.client.get(school.url).status_code == 404

    def test_workflow_correction_invalidates(self):
        plan = self.published
        school_url = plan.get_parent().get_parent().url
        assert self.client.get(plan.url).status_code == 200
        assert plan.url in self.client.get(school_url).content.decode()
        take_to(plan, "correcting")  # events muted: the transition's event is sent below
        assert self.client.get(plan.url).status_code == 200  # still cached: no event yet
        record_transitioned.send(
            sender=RecordState,
            record_state=RecordState.objects.get(pk=plan.pk),
            page_id=plan.pk,
            transition="correction",
            source="published",
            target="correcting",
            actor_id=None,
            revision_id=None,
        )
        assert self.client.get(plan.url).status_code == 404
        assert plan.url not in self.client.get(school_url).content.decode()

    def test_archiving_a_plan_invalidates_but_archiving_a_hoc_ba_does_not(self):
        """The plan page shows its signed PDF; a year end freezes a thousand học bạ,
        which must not empty the cache a thousand times."""
        from django.db.models.signals import post_save

        from archive.models import ArchivedVersion

        def archived(**fields):
            post_save.send(ArchivedVersion, instance=SimpleNamespace(kind="record", **fields))

        def generation():
            return store.cache().get(store.GENERATION_KEY)

        plan = self.published
        self.client.get(plan.url)
        before = generation()
        assert before is not None
        with self.captureOnCommitCallbacks(execute=True):
            archived(record_type="student_record", page_ref=1)
        assert generation() == before
        assert self.client.get(plan.url)["X-Page-Cache"] == "hit"
        with self.captureOnCommitCallbacks(execute=True):
            archived(record_type="school_plan", page_ref=plan.pk)
        assert generation() != before
        assert self.client.get(plan.url)["X-Page-Cache"] == "miss"

    def test_workflow_publish_shows_a_plan_that_was_404(self):
        draft = self.draft
        assert self.client.get(draft.url).status_code == 404
        assert self.client.get(draft.url).status_code == 404  # a 404 is never stored
        take_to(draft, "published")  # events muted
        # Even without the event, nothing cached hides the newly published plan.
        response = self.client.get(draft.url)
        assert response.status_code == 200 and response["X-Page-Cache"] == "miss"

    def test_non_public_page_stays_404_for_anonymous(self):
        from recordpages.models import LessonPlanPage

        draft = self.draft
        lesson = LessonPlanPage.objects.first()
        for url in (draft.url, lesson.url, draft.url):
            response = self.client.get(url)
            assert response.status_code == 404
            assert "X-Page-Cache" not in response
            assert "public" not in response.get("Cache-Control", "")

    def test_excluded_urls_are_never_cached(self):
        for path in ("/admin/", "/tim-kiem/", "/sitemap.xml", "/xac-thuc/"):
            for _ in range(2):
                assert "X-Page-Cache" not in self.client.get(path)

    def test_query_strings_are_not_cached(self):
        plan = self.published
        for _ in range(2):
            assert "X-Page-Cache" not in self.client.get(plan.url, {"utm": "x"})
