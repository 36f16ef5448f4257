"""Template tags of the overridden Wagtail admin templates (cms/templates/wagtailadmin)."""

from django import template

from cms import admin_vietnamese

register = template.Library()


@register.simple_tag(takes_context=True)
def record_state_label(context, page) -> str | None:
    return admin_vietnamese.record_state_label(context["request"].user, page)


@register.simple_tag(takes_context=True)
def creatable_page_types(context, parent_page, page_types):
    return admin_vietnamese.creatable_page_types(context["request"].user, parent_page, page_types)
