"""A guard for a Wagtail 8 admin crash on crafted input, applied once at start-up.

`BaseChooser.get_instance` looks a bound value up by primary key and catches only
DoesNotExist. When a form is re-displayed after a POST whose chooser field holds
"1 OR 1=1" (or any non-key text), the lookup raises ValueError while rendering and
the admin answers 500 instead of showing the form's own "invalid choice" error.
The form already refuses the value; the widget only needs to render "nothing
chosen". Remove this when Wagtail catches ValueError itself.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)


def guard_chooser_lookups() -> None:
    from wagtail.admin.widgets.chooser import BaseChooser

    if getattr(BaseChooser.get_instance, "_hoso_guarded", False):
        return
    original = BaseChooser.get_instance

    def get_instance(self, value):
        try:
            return original(self, value)
        except (ValueError, TypeError, ValidationError, OverflowError):
            logger.info("Chooser %s ignored a malformed value", type(self).__name__)
            return None

    get_instance._hoso_guarded = True
    BaseChooser.get_instance = get_instance
