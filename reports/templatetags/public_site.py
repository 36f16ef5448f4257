"""Template tags of the public site; they only call reports.public.selectors."""

from __future__ import annotations

from django import template

from reports.public import selectors

register = template.Library()


@register.simple_tag
def published_plans_of(school_page):
    return selectors.plans_by_year(school_page)


@register.simple_tag
def public_schools_of(authority_page):
    from recordpages.models import SchoolPage

    return (
        SchoolPage.objects.child_of(authority_page)
        .live()
        .public()
        .select_related("school")
        .order_by("title")
    )


@register.simple_tag
def signed_pdf_of(page):
    return selectors.signed_pdf(page.pk)
