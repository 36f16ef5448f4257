"""A học bạ's grid rows written only when they changed (issue 18): modelcluster saves
every child row of a page on each save, some twenty-five UPDATEs for a draft whose
grids nobody touched."""

from __future__ import annotations

from django.db import models


def stored_values(row: models.Model) -> tuple:
    """The row's columns, to compare a row about to be saved with its stored copy."""
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)


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
