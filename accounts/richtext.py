"""The Draftail editor widget, hardened against a crafted POST.

Wagtail's widget json-decodes whatever the rich text field receives; a value that
is not the editor's JSON raises inside form validation and answers 500. A browser
never sends that, a hostile client does: keep the text, as escaped plain text, and
let the form carry on. (Script and event handlers in well-formed editor data are
already dropped by Wagtail's converter, which whitelists elements and attributes.)

It is also safe under gunicorn's threads. Block definitions, and so their widgets, are
one per process, and Wagtail's converter keeps one HTML parser per widget
(wagtail#14573): two editors opened at once fed the same parser, and one teacher's
editor could show another's text or answer 500. Each thread parses with its own.
"""

from __future__ import annotations

import logging
import threading

from django.utils.html import escape
from wagtail.admin.rich_text import DraftailRichTextArea
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.admin.rich_text.converters.html_to_contentstate import HtmlToContentStateHandler

logger = logging.getLogger(__name__)

_MAX_FALLBACK_CHARS = 100_000


class _ConverterPerThread(ContentstateConverter):
    """Wagtail's converter with one HTML parser per thread instead of one per widget."""

    def __init__(self, features=None):
        super().__init__(features)
        self._local = threading.local()

    def from_database_format(self, html):
        handler = getattr(self._local, "handler", None)
        if handler is None:
            handler = self._local.handler = HtmlToContentStateHandler(self.features)
        handler.reset()
        handler.feed(html)
        handler.close()
        return handler.contentstate.as_json(indent=4, separators=(",", ": "))


class SafeDraftailRichTextArea(DraftailRichTextArea):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.converter = _ConverterPerThread(self.features)

    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            raw = str(data.get(name, ""))[:_MAX_FALLBACK_CHARS]
            logger.warning("Rich text field %s received data that is not editor JSON", name)
            return f"<p>{escape(raw)}</p>" if raw.strip() else ""
