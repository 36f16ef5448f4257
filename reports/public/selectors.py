"""The one definition of "public" for pages, PDFs, search and the sitemap."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse
from wagtail.models import Page

from archive.selectors import latest_archived
from recordpages.models import AuthorityPage, SchoolPage, SchoolPlanPage
from recordpages.permissions import get_scope
from workflow.choices import State

_ALWAYS_PUBLIC = (AuthorityPage, SchoolPage)


def published_plans() -> QuerySet[SchoolPlanPage]:
    """School plans the principal published: live in Wagtail and "published" in the workflow.

    Both are required: a plan can be live without having been published (an
    editor pressed Wagtail's publish) or published and then taken into a
    correction, and neither may show.
    """
    return (
        SchoolPlanPage.objects.live()
        .public()
        .filter(record_state__state=State.PUBLISHED, expired=False)
        .select_related("school", "school_year")
    )


def public_pages(root: Page | None = None) -> QuerySet[Page]:
    """Every page of the public site (optionally under `root`), not specific."""
    from django.contrib.contenttypes.models import ContentType

    types = ContentType.objects.get_for_models(*_ALWAYS_PUBLIC).values()
    pages = Page.objects.live().public().filter(expired=False)
    if root is not None:
        pages = pages.descendant_of(root, inclusive=True)
    return pages.filter(Q(content_type__in=types) | Q(pk__in=published_plans().values("pk")))


def is_public(page: Page) -> bool:
    return public_pages().filter(pk=page.pk).exists()


def plans_by_year(school_page: SchoolPage) -> QuerySet[SchoolPlanPage]:
    return published_plans().descendant_of(school_page).order_by("-school_year__start_date")


def may_fetch_document(user) -> bool:
    """Documents belong to records, never to the public site: only signed-in staff
    (and superusers) reach Wagtail's document view; collection rules apply after."""
    scope = get_scope(user)
    return scope.is_superuser or scope.staff is not None


@dataclass(frozen=True)
class SignedPdf:
    url: str
    verify_url: str
    signed_at: object
    signer: str
    sha256: str
    version: int


def signed_pdf(page_id: int) -> SignedPdf | None:
    """The latest signed PDF of a published plan, or None while the archive has none."""
    if not published_plans().filter(pk=page_id).exists():
        return None
    row = latest_archived(page_id)
    if row is None:
        return None
    return SignedPdf(
        url=reverse("public:plan_pdf", args=[page_id]),
        verify_url=reverse("archive:verify_code", args=[row.verification_code]),
        signed_at=row.signed_at,
        signer=row.signer,
        sha256=row.sha256,
        version=row.version,
    )
