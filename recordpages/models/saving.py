"""How a record page is saved from its editor with few queries (issue 18): Wagtail's
Page.save, save_revision and revision copy, told what this request has already read,
checked or queued. The rules a save obeys (the write guard) stay in every path."""

from __future__ import annotations

import contextlib
from typing import ClassVar

from wagtail.models import COMMENTS_RELATION_NAME

from recordpages.guards import check_writable
from recordpages.revision_copy import (
    children_kept_after_commit,
    comments_not_committed,
    fields_but_slug,
    no_comments,
    note_stored_slug,
    revision_copy,
    savepoint_free,
    slug_as_stored,
    still_as_validated,
    without_kept_children,
)
from recordpages.tasks import refresh_wagtail_indexes
from recordpages.transactions import open_transaction_token, still_open


class RecordSaving:
    """Mixed into RecordPage, before Wagtail's Page."""

    # Published by its workflow once approved, never at a set time: no go-live field,
    # so no revision is scheduled and Wagtail's lock check need not look (issue 18).
    settings_panels = []
    scheduled_revision = None

    # Fields Wagtail updates for its own bookkeeping (editing locks, revision
    # pointers, tree maintenance): writing only these does not change a record.
    BOOKKEEPING_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {
            "locked",
            "locked_at",
            "locked_by",
            "latest_revision",
            "latest_revision_created_at",
            "has_unpublished_changes",
            "draft_title",
            "url_path",
            "path",
            "depth",
            "numchild",
        }
    )

    # What save_revision writes after its revision (the editor saved the draft in full).
    REVISION_POINTERS: ClassVar[frozenset[str]] = frozenset(
        {
            "latest_revision",
            "latest_revision_created_at",
            "draft_title",
            "has_unpublished_changes",
            COMMENTS_RELATION_NAME,
        }
    )

    # A record sits under its school's year page, never at a site's root: Wagtail's
    # save need not ask the sites table.
    _is_site_root = False

    # Wagtail's admin search and reference index are queued by save() as one task, once per
    # transaction; deletions by Wagtail's handlers.
    search_auto_update = False

    def save(self, *args, **kwargs):
        update_fields = without_kept_children(self, kwargs)
        if self.pk and (update_fields is None or set(update_fields) - self.BOOKKEEPING_FIELDS):
            check_writable(self)
        if still_as_validated(self):
            kwargs["clean"] = False  # minimal_clean: what the form's full_clean checked
        queued = self._wagtail_indexes_queued(update_fields)
        if update_fields is None and slug_as_stored(self) and not self.get_deferred_fields():
            kwargs["update_fields"] = fields_but_slug(self)
        with children_kept_after_commit(self, update_fields), comments_not_committed(self):
            with _reference_index_paused():
                result = savepoint_free(super().save)(*args, **kwargs)
        note_stored_slug(self)
        if not queued:
            refresh_wagtail_indexes.enqueue(
                self._meta.app_label, self._meta.model_name, str(self.pk)
            )
            self._indexes_queued_until = open_transaction_token()
        return result

    def _wagtail_indexes_queued(self, update_fields) -> bool:
        """Whether this save writes only revision pointers after a save of this page
        that queued Wagtail's search and reference index tasks in the same open
        transaction: the worker's tasks read the page after the commit, pointers
        included (a backend that runs tasks at once gets them again)."""
        queued = getattr(self, "_indexes_queued_until", None)
        return (
            queued is not None
            and update_fields is not None
            and set(update_fields) <= self.REVISION_POINTERS
            and refresh_wagtail_indexes.get_backend().supports_defer
            and still_open(queued)
        )

    @classmethod
    def from_db(cls, db, field_names, values):
        return note_stored_slug(super().from_db(db, field_names, values))

    def _check_slug_is_unique(self):
        if not slug_as_stored(self):
            super()._check_slug_is_unique()

    def save_revision(self, *args, **kwargs):
        check_writable(self)
        no_comments(self)
        return savepoint_free(super().save_revision)(*args, **kwargs)

    def with_content_json(self, content):
        return revision_copy(self, content, super().with_content_json)


def _reference_index_paused():
    # Imported here: Wagtail's module loads Page, not ready while models are defined.
    from wagtail.signal_handlers import (
        disable_reference_index_auto_update,
        reference_index_auto_update_disabled,
    )

    if getattr(reference_index_auto_update_disabled, "value", False):
        return contextlib.nullcontext()  # Wagtail's switch does not nest
    return disable_reference_index_auto_update()
