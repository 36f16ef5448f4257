"""Wagtail's chooser widgets without their inline script.

BaseChooser.render writes `<script>new SnippetChooser("id", {...});</script>` after the
widget; the Content-Security-Policy (cms/settings/base.py) refuses inline scripts. The
patched render writes the constructor's name and options as JSON instead, and
static/js/csp_init.js calls the constructor from our own origin.
"""

from __future__ import annotations

import json

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from wagtail.admin.widgets.chooser import BaseChooser

_original_render = BaseChooser.render


def _render_without_inline_script(self, name, value, attrs=None, renderer=None):
    # A subclass that writes its own JS is left alone (the browser test reports it).
    if type(self).render_js_init is not BaseChooser.render_js_init or not attrs:
        return _original_render(self, name, value, attrs, renderer)
    id_ = attrs["id"]
    value_data = self.get_value_data(value)
    widget_html = self.render_html(name, value_data, attrs)
    options = json.dumps(self.get_js_init_options(id_, name, value_data)).replace("<", "\\u003c")
    init = format_html(
        '<script type="application/json" data-hoso-init="chooser" data-hoso-constructor="{}"'
        ' data-hoso-target="{}">{}</script>',
        self.js_constructor,
        id_,
        mark_safe(options),  # noqa: S308 - JSON with "<" escaped, inside a data script
    )
    return mark_safe(f"{widget_html}{init}")  # noqa: S308 - both parts are escaped above


def patch_chooser_widgets() -> None:
    BaseChooser.render = _render_without_inline_script
