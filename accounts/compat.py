"""Guards for Wagtail 8 admin crashes on crafted input, applied once at start-up.

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


def guard_link_chooser_field() -> None:
    """The external-link chooser answers a POST without its URL field with a 500
    (`URLOrAbsolutePathValidator.is_absolute_path(None)`); a missing value is empty,
    which the form then refuses as required. Remove when Wagtail checks for None."""
    from wagtail.admin.forms.choosers import URLOrAbsolutePathField

    if getattr(URLOrAbsolutePathField.to_python, "_hoso_guarded", False):
        return
    original = URLOrAbsolutePathField.to_python

    def to_python(self, value):
        return original(self, "" if value is None else value)

    to_python._hoso_guarded = True
    URLOrAbsolutePathField.to_python = to_python
