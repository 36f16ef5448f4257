"""Small lookups for the report templates (dicts keyed by record type or status)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def percent(counts, status):
    return counts.percent(status)
