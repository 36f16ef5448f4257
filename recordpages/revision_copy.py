"""What a record's editor request need not read twice: the rows a revision's copy
names when the live row names the same ones, the rows the form's choice fields have
just fetched, the checks the form's full_clean has just made, the comment rows it
has just written; nor the savepoints that cannot roll anything back (issue 18)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.conf import settings
from django.db import models, transaction
from modelcluster.models import get_all_child_m2m_relations, get_all_child_relations
from wagtail.models import COMMENTS_RELATION_NAME

from recordpages.transactions import open_transaction_token, still_open


def unchanged_foreign_keys(page: models.Model, content: dict) -> dict[models.Field, object]:
    """The foreign keys to which `content` (a revision's) gives the value the page's
    row has, with that value. modelcluster reads the row of each foreign key of a
    revision to see whether it still exists: the live row names these, and the
    database keeps the rows a row names, so they do."""
    unchanged = {}
    for field in page._meta.concrete_fields:
        value = content.get(field.name) if field.many_to_one else None
        current = getattr(page, field.attname) if value is not None else None
        if current is not None and field.target_field.to_python(value) == current:
            unchanged[field] = current
    return unchanged


def _children_without_parent_key(page, content: dict) -> dict:
    """The child rows of `content` without their key to this page: modelcluster would
    read the page once for each row to see whether it still exists, and it sets the
    key to the copy it builds anyway."""
    children = {}
    for relation in get_all_child_relations(page):
        rows = content.get(relation.get_accessor_name())
        if isinstance(rows, list):
            key = relation.field.name
            children[relation.get_accessor_name()] = [
                {name: value for name, value in row.items() if name != key or value != page.pk}
                for row in rows
            ]
    return children


# The foreign keys Wagtail's page copy (Page.with_content_json) takes from the live
# row whatever the revision says: the revision's values are not worth checking.
TAKEN_FROM_LIVE_ROW = frozenset(
    {"content_type", "owner", "locked_by", "latest_revision", "locale", "alias_of"}
)


def revision_copy(page, content: dict, build):
    """`build(content)` (Wagtail's with_content_json) without checking the unchanged
    foreign keys nor those the copy takes from the live row, and with the page's
    parent, already read, kept on the copy."""
    no_comments(page)
    unchanged = unchanged_foreign_keys(page, content)
    names = {field.name for field in unchanged} | TAKEN_FROM_LIVE_ROW
    kept = {key: value for key, value in content.items() if key not in names}
    copy = build({**kept, **_children_without_parent_key(page, content)})
    for field, value in unchanged.items():
        setattr(copy, field.attname, value)
    if "_cached_parent_obj" in page.__dict__:
        copy._cached_parent_obj = page._cached_parent_obj
    copy._stored_slug = page.__dict__.get("_stored_slug")
    return copy


def rows_chosen_in_form(form: forms.ModelForm) -> dict[str, models.Model]:
    """The rows the form's choice fields fetched for their cleaned values: each
    field's queryset is the model field's choices (its limit_choices_to), narrowed."""
    return {
        name: value
        for name, value in form.cleaned_data.items()
        if isinstance(form.fields.get(name), forms.ModelChoiceField)
        and isinstance(value, models.Model)
    }


def fields_chosen_in_form(page: models.Model, chosen: dict[str, models.Model]) -> set[str]:
    """The foreign keys of `page` that still hold the very row the form chose: their
    existence check (ForeignKey.validate) would read that row again."""
    names = set()
    for name, row in chosen.items():
        field = page._meta.get_field(name)
        if field.many_to_one and field.get_cached_value(page, None) is row:
            names.add(name)
    return names


def mark_validated(page) -> None:
    """The page form's full_clean of `page` just passed (title, slug, the page type's
    rules), in the open transaction."""
    page._validated = (page.title, page.slug, open_transaction_token())


def still_as_validated(page) -> bool:
    """Whether the form validated this existing page in the still open transaction,
    and its title and slug, set again as Wagtail's save would (the formsets' rows are
    on the page now), are those it validated. The mark is used once."""
    validated = page.__dict__.pop("_validated", None)
    if validated is None or not page.pk or not still_open(validated[2]):
        return False
    page._set_core_field_defaults()
    return (page.title, page.slug) == validated[:2]


@contextmanager
def children_kept_after_commit(page, update_fields) -> Iterator[None]:
    """A full save commits the child rows set on the page in memory (the form's
    grid rows, a revision copy's comments); save_revision then reads them all again
    for the revision's content. The database now has exactly those rows: they are
    kept in memory until the next save (save_revision's pointer save)."""
    related = getattr(page, "_cluster_related_objects", None)
    kept = {
        name: (rows, tuple(rows))
        for name, rows in (related or {}).items()
        if update_fields is None and isinstance(rows, list)
    }
    yield
    if kept:
        page._cluster_related_objects.update({name: rows for name, (rows, _) in kept.items()})
        page._kept_children = kept


def without_kept_children(page, save_kwargs: dict):
    """The fields save() writes, after the kept rows go back to being read from the
    database (unless changed since: then they are committed as set). The pointer
    save does not commit again comments kept as none: it would only read them."""
    kept = page.__dict__.pop("_kept_children", {})
    related = getattr(page, "_cluster_related_objects", {})
    untouched = {
        name
        for name, (rows, rows_then) in kept.items()
        if related.get(name) is rows and tuple(rows) == rows_then
    }
    for name in untouched:
        del related[name]
    update_fields = save_kwargs.get("update_fields")
    if (
        COMMENTS_RELATION_NAME in untouched
        and not kept[COMMENTS_RELATION_NAME][1]
        and update_fields is not None
    ):
        update_fields = [name for name in update_fields if name != COMMENTS_RELATION_NAME]
        save_kwargs["update_fields"] = update_fields
    return update_fields


def savepoint_free(method):
    """`method`, bound, without the atomic block Wagtail wraps it in, when the
    innermost open block was opened without a savepoint (the editor's draft save,
    recordpages.draft_save): a failure inside goes up through that block, which
    rolls back to the enclosing savepoint whichever way, so a savepoint of
    Wagtail's own is two statements that change nothing."""
    wrapped = getattr(method.__func__, "__wrapped__", None)
    blocks = transaction.get_connection().atomic_blocks
    if wrapped is None or not blocks or blocks[-1].savepoint:
        return method
    return wrapped.__get__(method.__self__)


def no_comments(page) -> None:
    """With Wagtail's comments off no screen writes one: the page's comments are
    none, held in memory, so its copy, save_revision and revision content do not
    read the comment table (issue 18)."""
    related = getattr(page, "_cluster_related_objects", {})
    if not settings.WAGTAILADMIN_COMMENTS_ENABLED and COMMENTS_RELATION_NAME not in related:
        setattr(page, COMMENTS_RELATION_NAME, [])


@contextmanager
def comments_not_committed(page) -> Iterator[None]:
    """A save that would commit the none comments held in memory by no_comments: the
    commit would only read the table to find rows to delete. Rows written before
    comments were switched off stay."""
    related = getattr(page, "_cluster_related_objects", {})
    if settings.WAGTAILADMIN_COMMENTS_ENABLED or related.get(COMMENTS_RELATION_NAME) != []:
        yield
        return
    rows = related.pop(COMMENTS_RELATION_NAME)
    try:
        yield
    finally:
        related.setdefault(COMMENTS_RELATION_NAME, rows)


def note_stored_slug(page):
    """Note the slug the page's row holds: when it is read (from_db), after a save,
    and on a revision's copy (revision_copy)."""
    page._stored_slug = page.__dict__.get("slug")
    return page


def slug_as_stored(page) -> bool:
    """Whether the page's slug is its row's. Wagtail checked it unique among its
    siblings when it was written and checks each sibling written since against it: a
    save need not check it again, nor read the old row to see whether it changed."""
    stored = page.__dict__.get("_stored_slug")
    return page.pk is not None and bool(stored) and stored == page.slug


def fields_but_slug(page) -> list[str]:
    """What a full save writes, named, the slug left out: given as update_fields,
    Wagtail's Page.save skips reading the old row to compare slugs (issue 18)."""
    return [
        *(f.name for f in page._meta.concrete_fields if not f.primary_key and f.name != "slug"),
        *(relation.get_accessor_name() for relation in get_all_child_relations(page)),
        *(field.name for field in get_all_child_m2m_relations(page)),
    ]
