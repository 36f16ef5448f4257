"""Build the SearchDocuments of one record from its pages and workflow state.

The working version is the latest revision (what the author sees in the
editor); the approved version is the revision the reviewer pinned. Text is
collected generically from the page's own fields, StreamFields, rich text and
child rows (subject comments, register lines), so a new field is searchable
without touching this module.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

from django.db import models
from django.utils.html import strip_tags
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.rich_text import get_text_for_indexing

from recordpages.text import collapse_spaces, normalize_text
from search.extraction import document_text, record_file_text
from search.types import APPROVED, WORKING, SearchDocument
from workflow.choices import APPROVED_STATES
from workflow.models import RecordState

logger = logging.getLogger(__name__)

# Fields whose values are ids, slugs or bookkeeping, never record text.
_SKIP = {
    "slug",
    "url_path",
    "seo_title",
    "search_description",
    "draft_title",
    "path",
    "source_sha256",
}


def _field_text(instance: models.Model, field: models.Field) -> list[str]:
    value = getattr(instance, field.attname, None)
    if value in (None, ""):
        return []
    if isinstance(field, StreamField):
        return [str(part) for part in field.stream_block.get_searchable_content(value)]
    if isinstance(field, RichTextField):
        return [get_text_for_indexing(value)]
    if getattr(field, "choices", None):
        return [str(getattr(instance, f"get_{field.name}_display")())]
    if isinstance(field, models.CharField | models.TextField):
        return [strip_tags(str(value))]
    return []


def _own_fields(model: type[models.Model]) -> Iterator[models.Field]:
    page_fields = {f.name for f in Page._meta.get_fields()}
    for field in model._meta.concrete_fields:
        if field.name in page_fields or field.name in _SKIP or field.is_relation:
            continue
        yield field


def _child_rows(page) -> Iterator[models.Model]:
    for relation in getattr(page._meta, "child_relations", []):
        accessor = relation.get_accessor_name()
        yield from getattr(page, accessor).all()


def page_text(page) -> str:
    """Every piece of human text in a page version, in form order."""
    parts: list[str] = []
    for field in _own_fields(type(page)):
        parts.extend(_field_text(page, field))
    for row in _child_rows(page):
        for field in row._meta.concrete_fields:
            if field.is_relation or field.name in ("id", "sort_order"):
                continue
            parts.extend(_field_text(row, field))
        pupil = getattr(row, "pupil", None)
        if pupil is not None:
            parts.append(pupil.full_name)
    attachment = getattr(page, "attachment", None)
    if attachment is not None:
        parts.append(document_text(attachment))
    # A plan handed in as a file: the converted PDF's text (with OCR for scans).
    parts.append(record_file_text(page))
    return normalize_text("\n".join(collapse_spaces(p) for p in parts if p and p.strip()))


def _subjects(page) -> tuple[str, ...]:
    """The page's own subject and the subject of every lesson it holds, once each."""
    codes = [getattr(page, "subject", "") or ""]
    for block in getattr(page, "lessons", None) or ():
        if block.value:
            codes.append(block.value.get("subject") or "")
    return tuple(dict.fromkeys(code for code in codes if code))


def _grade(page, state: RecordState) -> int | None:
    grade = getattr(page, "grade", None)
    if grade:
        return int(grade)
    if state.school_class_id:
        return state.school_class.grade
    return None


def _document(
    page, state: RecordState, *, variant, date: dt.datetime, revision_id
) -> SearchDocument:
    return SearchDocument(
        page_id=state.page_id,
        variant=variant,
        title=normalize_text(page.title),
        body=page_text(page),
        record_type=state.record_type,
        state=str(state.state),
        school_id=state.school_id,
        school_name=state.school.name,
        school_year=state.school_year.name,
        date=date,
        group_id=state.group_id,
        group_name=state.group.name if state.group_id else "",
        grade=_grade(page, state),
        subjects=_subjects(page),
        author_id=state.author_id,
        author_name=state.author.full_name if state.author_id else "",
        deadline=state.deadline,
        revision_id=revision_id,
    )


def _states(page_ids: list[int]):
    return RecordState.objects.filter(page_id__in=page_ids).select_related(
        "school", "school_year", "group", "school_class", "author", "approved_revision"
    )


def build_documents(page_ids: list[int]) -> list[SearchDocument]:
    """The documents these records should have in the index now (none if deleted)."""
    documents: list[SearchDocument] = []
    for state in _states(page_ids):
        try:
            documents.extend(documents_for(state))
        except Exception:
            logger.exception("Could not build search documents for page %s", state.page_id)
            raise
    return documents


def documents_for(state: RecordState) -> list[SearchDocument]:
    page = Page.objects.filter(pk=state.page_id).first()
    if page is None:
        return []
    page = page.specific
    working = page.get_latest_revision_as_object()
    working_date = page.latest_revision_created_at or page.last_published_at or state.updated_at
    docs = [
        _document(
            working,
            state,
            variant=WORKING,
            date=working_date,
            revision_id=page.latest_revision_id,
        )
    ]
    if state.approved_revision_id:
        approved = state.approved_revision.as_object()
        date = state.approved_at or state.approved_revision.created_at
        docs.append(
            _document(
                approved, state, variant=APPROVED, date=date, revision_id=state.approved_revision_id
            )
        )
    elif state.state in APPROVED_STATES:
        # Approved before revisions were pinned (imported data): the live page is the version.
        docs.append(
            _document(
                page,
                state,
                variant=APPROVED,
                date=state.approved_at or working_date,
                revision_id=None,
            )
        )
    return docs


__all__ = ["SearchDocument", "build_documents", "documents_for", "page_text"]
