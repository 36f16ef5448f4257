"""An anonymous visitor reaches published school plans and their PDFs, and nothing else.

The crawler follows every link from the public home; then it asks directly for
every page of the tree, every document, image file, admin screen and the search
endpoints with words that match non-public records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from urllib.parse import urljoin, urlparse

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Page

from recordpages.models import OtherRecordPage, SchoolPlanPage
from tests.conftest import load_small_district
from tests.factories import take_to
from workflow.models import RecordState

LINK = re.compile(r'(?:href|src|action)="([^"]+)"')
PDF = b"%PDF-1.7\n% fake signed plan for the crawler\n%%EOF\n"


def publish_plan(plan: SchoolPlanPage) -> None:
    """What the lead's publish transition leaves behind: live page, state published,
    and an archived signed PDF."""
    from archive import storage
    from archive.models import ArchivedVersion
    from archive.services import new_verification_code, record_key

    take_to(plan, "published", now=timezone.make_aware(dt.datetime(2026, 9, 3, 10)))
    key = record_key(
        school_code=plan.school.code,
        year=plan.school_year.name,
        record_type="school_plan",
        page_id=plan.pk,
        version=1,
    )
    storage.get_store().put(key, PDF, content_type="application/pdf")
    ArchivedVersion.objects.create(
        kind="record",
        page=plan,
        page_ref=plan.pk,
        school=plan.school,
        school_year=plan.school_year,
        record_type="school_plan",
        title=plan.title,
        version=1,
        key=key,
        sha256=storage.sha256(PDF),
        size=len(PDF),
        signer="Trường Tiểu học Hòa Nghĩa",
        verification_code=new_verification_code(),
    )


class AnonymousCrawlerTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        load_small_district()
        plans = SchoolPlanPage.objects.select_related("school").order_by("school__code")
        cls.draft_plan = plans.get(school__code="THAD")  # live in Wagtail, never published
        cls.published = plans.get(school__code="THHN")
        publish_plan(cls.published)
        other = OtherRecordPage.objects.filter(school__code="THHN").first()
        cls.document = Document.objects.create(
            title="Biên bản họp tổ",
            file=ContentFile(b"%PDF-1.4 private", name="bien-ban-hop-to.pdf"),
        )
        OtherRecordPage.objects.filter(pk=other.pk).update(attachment=cls.document)
        cls.image = Image.objects.create(
            title="Ảnh học sinh lớp 1",
            file=ContentFile(
                bytes.fromhex(
                    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
                    "0000000d4944415478da63f8cfc0f01f0005000201a1e2d5f10000000049454e44ae426082"
                ),
                name="anh-hoc-sinh.png",
            ),
        )
        from search.services import search_drain, search_enqueue

        search_enqueue(page_ids=list(RecordState.objects.values_list("pk", flat=True)))
        search_drain()

    def public_urls(self) -> set[str]:
        from reports.public.selectors import public_pages

        return {page.url for page in public_pages().specific()}

    def test_crawl_from_home_reaches_only_public_pages_and_signed_pdfs(self):
        allowed_pages = self.public_urls()
        assert self.published.url in allowed_pages and self.draft_plan.url not in allowed_pages
        seen: set[str] = set()
        queue = deque(["/"])
        fetched_pdf = False
        while queue:
            url = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            response = self.client.get(url)
            if response.status_code in (301, 302):
                queue.append(urlparse(response["Location"]).path)
                continue
            if url.startswith("/static/"):
                continue  # not served by the test server; no data there
            assert response.status_code in (200, 404), (url, response.status_code)
            if response.status_code != 200:
                continue
            kind = response["Content-Type"]
            if kind.startswith("application/pdf"):
                assert url == f"/ke-hoach/{self.published.pk}/ban-ky-so.pdf", url
                assert response.content == PDF
                fetched_pdf = True
                continue
            path = urlparse(url).path
            assert (
                path in allowed_pages
                or path.startswith("/xac-thuc/")
                or path in ("/tim-kiem/", "/sitemap.xml")
            ), f"anonymous visitor reached {url}"
            body = response.content.decode()
            for link in LINK.findall(body):
                link = link.replace("&amp;", "&")
                absolute = urlparse(urljoin("http://localhost" + url, link))
                if absolute.hostname not in ("localhost", "testserver") or absolute.scheme not in (
                    "http",
                    "https",
                ):
                    continue
                queue.append(absolute.path + (f"?{absolute.query}" if absolute.query else ""))
        assert fetched_pdf
        assert {u for u in seen if u in allowed_pages} == allowed_pages
        assert self.draft_plan.title not in "".join(
            self.client.get(u).content.decode() for u in allowed_pages
        )

    def test_every_other_page_of_the_tree_answers_404(self):
        allowed = self.public_urls()
        checked = 0
        for page in Page.objects.filter(depth__gt=1).specific():
            url = page.url
            if url is None:
                continue
            response = self.client.get(url)
            expected = 200 if url in allowed else 404
            assert response.status_code == expected, (
                url,
                response.status_code,
                type(page).__name__,
            )
            checked += 1
        assert checked > 40

    def test_documents_images_and_admin_are_closed_to_the_public(self):
        # Deny by default: a visitor is sent to the login for any file or admin page,
        # existing or not, so the answer says nothing of what exists.
        for url in (
            self.document.url,
            f"/documents/{self.document.pk}/bien-ban-hop-to.pdf",
            f"/documents/{self.document.pk + 1}/x.pdf",
            self.image.file.url,
            f"/admin/pages/{self.draft_plan.pk}/",
            f"/admin/pages/{self.draft_plan.pk}/edit/",
            f"/admin/pages/{self.draft_plan.pk}/view_draft/",
            f"/admin/documents/edit/{self.document.pk}/",
            "/admin/nhap-csdl/",
            "/admin/bao-cao/",
        ):
            response = self.client.get(url)
            assert response.status_code in (302, 404), url
            if response.status_code == 302:
                assert "/admin/login/" in response["Location"], url
        assert self.client.get(f"/ke-hoach/{self.draft_plan.pk}/ban-ky-so.pdf").status_code == 404

    def test_search_finds_only_published_plans(self):
        for words in (
            "ke hoach",
            "kế hoạch",
            "học bạ",
            "bồi dưỡng",
            "Hòa Nghĩa",
            "Anh Dũng",
            "tuần",
        ):
            data = self.client.get("/api/tim-kiem/", {"q": words}).json()
            assert {hit["page_id"] for hit in data["hits"]} <= {self.published.pk}, words
            page = self.client.get("/tim-kiem/", {"q": words}).content.decode()
            assert self.draft_plan.url not in page
        page = self.client.get("/tim-kiem/", {"q": "ke hoach giao duc"}).content.decode()
        assert self.published.url in page

    def test_sitemap_lists_exactly_the_public_pages(self):
        body = self.client.get("/sitemap.xml").content.decode()
        listed = {urlparse(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", body)}
        assert listed == self.public_urls()

    def test_unpublishing_through_a_correction_hides_the_plan(self):
        take_to(self.published, "correcting")  # requested, and the principal consents
        assert self.client.get(self.published.url).status_code == 404
        assert self.client.get(f"/ke-hoach/{self.published.pk}/ban-ky-so.pdf").status_code == 404
        school_page = self.client.get(self.published.get_parent().get_parent().url).content.decode()
        assert self.published.url not in school_page
