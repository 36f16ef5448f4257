"""Rebuild the search index from the records, into a new index, then switch."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from search import get_backend
from search.services import record_count, search_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the whole search index into a new index and switch to it at once "
        "(search keeps answering from the old one meanwhile). Safe to run again."
    )

    def handle(self, *args, **options):
        backend = get_backend()
        total = record_count()
        self.stdout.write(f"Rebuilding the {backend.name} search index from {total} records")
        with tqdm(total=total * 2, unit="doc", file=self.stderr, desc="search_reindex") as bar:
            count = search_rebuild(progress=bar.update)
            bar.total = count
            bar.refresh()
        self.stdout.write(self.style.SUCCESS(f"Indexed {count} documents"))
