"""Tables of the search app: the database backend's entries, the retry queue,
and a cache of text extracted from attachments.

The queue lives in the database, not in a process, because several gunicorn
workers or hosts must see the same pending updates (DESIGN.md).
"""

from __future__ import annotations

from django.db import models


class SearchEntry(models.Model):
    """One SearchDocument for the database backend.

    `exact_text` and `folded_text` hold token streams (search.vietnamese); the
    full-text index over them is vendor-specific and made by migrations 0002 and
    0005 (SQLite FTS5 table; PostgreSQL generated tsvector columns with one GIN
    index per variant, and the wide columns stored out of line so that the heap a
    broad match visits holds only the narrow scope and facet columns).
    """

    page_id = models.BigIntegerField()
    variant = models.CharField(max_length=8)
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    exact_text = models.TextField(blank=True)
    folded_text = models.TextField(blank=True)
    record_type = models.CharField(max_length=32)
    state = models.CharField(max_length=32)
    school_id = models.BigIntegerField()
    school_name = models.CharField(max_length=200)
    school_year = models.CharField(max_length=9)
    group_id = models.BigIntegerField(null=True)
    group_name = models.CharField(max_length=100, blank=True)
    grade = models.PositiveSmallIntegerField(null=True)
    # Every subject, space-separated: the PostgreSQL subject facet unnests it in the same
    # pass as the other facets. SearchEntrySubject holds them as rows for the filter.
    subjects = models.CharField(max_length=400, blank=True)
    author_id = models.BigIntegerField(null=True)
    author_name = models.CharField(max_length=120, blank=True)
    date = models.DateTimeField()
    deadline = models.DateField(null=True)
    revision_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page_id", "variant"], name="search_entry_unique")
        ]
        indexes = [
            # Scope and facet columns, covering (PostgreSQL INCLUDE) what a query
            # without text needs: its total and facets come from an index-only scan
            # instead of a pass over the wide heap rows (tsvectors, body).
            models.Index(
                fields=["variant", "school_id", "state", "school_year", "record_type", "grade"],
                include=["date", "page_id", "subjects"],
                name="search_entry_scope",
            ),
            models.Index(fields=["date"]),
        ]


class SearchEntrySubject(models.Model):
    """One subject of a SearchEntry (a lesson plan holds lessons of several subjects).

    No database cascade: the backend deletes these rows itself, before their
    entries, in one statement (a Django cascade would load every entry id).
    """

    entry = models.ForeignKey(
        SearchEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    subject = models.CharField(max_length=40)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "entry"]),
            # Covering: the subject facet reads (entry, subject) from the index only.
            models.Index(fields=["entry", "subject"], name="search_subject_entry"),
        ]


class PendingIndexUpdate(models.Model):
    """A record whose index entry must be rebuilt; removed once the engine has it."""

    page_id = models.BigIntegerField(primary_key=True)
    queued_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["queued_at"])]


class AttachmentText(models.Model):
    """Text extracted from an attached file, keyed by its content hash so that
    re-indexing a record does not parse the same PDF again."""

    document_id = models.BigIntegerField()
    file_hash = models.CharField(max_length=64)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["document_id", "file_hash"], name="search_attachment_text_unique"
            )
        ]
