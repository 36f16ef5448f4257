"""A học bạ's grid rows written only when they changed (issue 18): modelcluster saves
every child row of a page on each save, some twenty-five UPDATEs for a draft whose
grids nobody touched."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver

from recordpages.grids import GRIDS


def _values(row: models.Model) -> tuple:
    return tuple(getattr(row, field.attname) for field in row._meta.concrete_fields)


@receiver(pre_save, sender="recordpages.StudentRecordPage")
def note_stored_rows(sender, instance, update_fields=None, **kwargs) -> None:
    """Before a học bạ's save commits its grids' rows (modelcluster commits them after
    the page's row): read each grid's stored rows once, and tell each row about to be
    saved what its stored columns are."""
    page = instance
    pending = getattr(page, "_cluster_related_objects", {})
    for name in (grid.relation for grid in GRIDS):
        rows = pending.get(name)
        if not rows or (update_fields is not None and name not in update_fields):
            continue
        relation = page._meta.get_field(name)
        stored = relation.related_model._default_manager.filter(**{relation.field.name: page.pk})
        by_pk = {row.pk: _values(row) for row in stored}
        for row in rows:
            if row.pk in by_pk:
                row._stored_values = by_pk[row.pk]


class WrittenWhenChanged(models.Model):
    """A child row whose save is skipped when its columns are the stored ones."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        stored = self.__dict__.pop("_stored_values", None)
        if stored is not None and not args and not kwargs and stored == _values(self):
            return
        super().save(*args, **kwargs)
