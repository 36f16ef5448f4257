"""What Wagtail's own page screens show a school user, said the product's way: the
record's workflow state instead of Wagtail's draft/live flag, and in the page-type
chooser only the types this user may create. The rules stay where they are (the
workflow's states, recordpages.permissions); this module only asks them."""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext as _

from recordpages.permissions import can_create_page
from workflow.selectors import listed_record

# (verbose name, app label, model name, description): the rows of Wagtail's chooser.
PageTypeRow = tuple[str, str, str, str]


def record_state_label(user, page) -> str | None:
    """The record's state ("Đã nộp", "Đã duyệt", "Đã ký số"), or None for a page that
    is not a record. The states of a listing's rows are read in one query
    (workflow.selectors.listed_record caches them per parent)."""
    record = listed_record(user, page)
    if record is None:
        return None
    return str(record.get_state_display()) or _("Bản nháp")


def creatable_page_types(user, parent_page, page_types: list[PageTypeRow]) -> list[PageTypeRow]:
    """Wagtail lists every type the tree allows under the parent; keep those this
    user may create there, so that no choice ends on a refusal."""
    return [
        row
        for row in page_types
        if can_create_page(user, parent_page, apps.get_model(row[1], row[2]))
    ]
