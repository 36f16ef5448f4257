"""Small lookups for the report templates (dicts keyed by record type or status)."""

from __future__ import annotations

from django import template

from reports.formatting import vn_number, vn_percent

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def percent(counts, status):
    return counts.percent(status)


@register.filter
def percent_vn(value):
    """33.3 → "33,3 %" (reports.formatting)."""
    return vn_percent(value)


@register.filter
def number_vn(value):
    """1234 → "1.234" (reports.formatting)."""
    return vn_number(value)
