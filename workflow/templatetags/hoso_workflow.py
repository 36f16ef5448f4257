"""Template tags of the workflow's admin screens: they ask workflow.policy."""

from __future__ import annotations

from django import template
from django.urls import reverse

from workflow import policy, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def page_title_url(context, page, can_edit: bool) -> str:
    """Where a page's title in the explorer leads: the editor while a record is being
    written (or any other page the user may edit), else the record page for whoever
    may read the record; empty (no link) otherwise."""
    user = context["request"].user
    record = selectors.listed_record(user, page)
    if policy.opens_in_editor(record, can_edit=bool(can_edit)):
        return reverse("wagtailadmin_pages:edit", args=[page.pk])
    if record is not None and policy.can_view_record(user, record):
        return reverse("workflow_record", args=[page.pk])
    return ""
