"""A học bạ's grid rows read once and written only when they changed (issue 18):
modelcluster read every child row of a page three times on a save, then saved them
all, some twenty-five UPDATEs for a draft whose grids nobody touched."""

from __future__ import annotations

import contextlib
import copy

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from modelcluster.forms import BaseChildFormSet


def stored_values(row: models.Model) -> tuple:
    """The row's columns, to compare a row about to be saved with its stored copy."""
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)


def hold_in_memory(page, relation: str, rows) -> list:
    """The grid's rows, just read for its formset, held as the page's child rows in
    memory (modelcluster's): the formset's save adds to and removes from them instead
    of reading the table twice more. Rows already in memory (a revision's) stay."""
    rows = list(rows)
    if relation not in getattr(page, "_cluster_related_objects", {}):
        setattr(page, relation, rows)
    return rows


class WrittenWhenChanged(models.Model):
    """A child row told its stored columns (`_stored_values`, by the grid's formset,
    which read them in this request) skips a save that would write them again."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        stored = self.__dict__.pop("_stored_values", None)
        if stored is not None and not args and not kwargs and stored == stored_values(self):
            return
        super().save(*args, **kwargs)


class _PostedRowField(forms.ModelChoiceField):
    """A grid row's hidden id, found among the rows its formset's posted ids name,
    read in one query (Django reads each row's own); an id outside them is looked
    up, and refused, as Django does."""

    def __init__(self, queryset, *, formset: GridFormSet, **kwargs):
        super().__init__(queryset, **kwargs)
        self.formset = formset

    def to_python(self, value):
        try:
            return self.formset.posted_rows[self.queryset.model._meta.pk.to_python(value)]
        except (KeyError, TypeError, ValidationError):
            return super().to_python(value)


class _RowFields(dict):
    """A grid row form's fields. Each form still takes its own copy of every field
    (Wagtail and Django set flags on them, a draft's deferred `required`), but the
    copies share what no row form changes: the fields' widgets (the grid draws its
    cells itself, grids._control, and reads the posted values through them only) and
    the subject's and levels' choices. Copying those for 26 row forms was a tenth of
    each học bạ editor open (issue 18)."""

    def __deepcopy__(self, memo):
        for field in self.values():
            for shared in (field.widget, getattr(field, "_choices", None)):
                if shared is not None:
                    memo[id(shared)] = shared
        return {name: copy.deepcopy(field, memo) for name, field in self.items()}


class GridFormSet(BaseChildFormSet):
    """A grid's formset: the rows named by the posted forms' ids found at once, each
    row told its stored columns so that saving it unchanged writes nothing, and its
    row forms sharing their fields' widgets (_RowFields)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        form = cls.__dict__.get("form")
        if form is not None and not isinstance(form.base_fields, _RowFields):
            form.base_fields = _RowFields(form.base_fields)

    def save(self, commit=True):
        saved = super().save(commit=commit)
        # The page's save commits the rows (ClusterForm saves its formsets uncommitted).
        rows = [] if commit else getattr(self.instance, self.rel_name).all()
        for row in rows:
            stored = self.posted_rows.get(row.pk)
            if stored is not None:
                row._stored_values = stored_values(stored)
        return saved

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name = self.model._meta.pk.name
        field = form.fields[name]
        form.fields[name] = _PostedRowField(
            field.queryset, formset=self, initial=field.initial, required=False, widget=field.widget
        )

    @cached_property
    def posted_rows(self) -> dict:
        """The rows the posted ids name, as stored. Found among the formset's own rows
        when it has read them (add_missing_rows), copied before any form changes them
        (the first row form's id asks for them before its values are set); read in
        one query otherwise."""
        pk = self.model._meta.pk
        ids = set()
        for index in range(self.initial_form_count() if self.is_bound else 0):
            with contextlib.suppress(ValidationError):
                ids.add(pk.to_python(self.data.get(f"{self.add_prefix(index)}-{pk.name}")))
        ids.discard(None)
        queryset = self.get_queryset()
        read = queryset._result_cache if isinstance(queryset, models.QuerySet) else None
        found = {row.pk: copy.copy(row) for row in read or () if row.pk in ids}
        missing = ids - set(found)
        return found | (self.model._default_manager.in_bulk(missing) if missing else {})
