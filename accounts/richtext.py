"""The Draftail editor widget, hardened against a crafted POST.

Wagtail's widget json-decodes whatever the rich text field receives; a value that
is not the editor's JSON raises inside form validation and answers 500. A browser
never sends that, a hostile client does: keep the text, as escaped plain text, and
let the form carry on. (Script and event handlers in well-formed editor data are
already dropped by Wagtail's converter, which whitelists elements and attributes.)
"""

from __future__ import annotations

import logging

from django.utils.html import escape
from wagtail.admin.rich_text import DraftailRichTextArea

logger = logging.getLogger(__name__)

_MAX_FALLBACK_CHARS = 100_000


class SafeDraftailRichTextArea(DraftailRichTextArea):
    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            raw = str(data.get(name, ""))[:_MAX_FALLBACK_CHARS]
            logger.warning("Rich text field %s received data that is not editor JSON", name)
            return f"<p>{escape(raw)}</p>" if raw.strip() else ""
