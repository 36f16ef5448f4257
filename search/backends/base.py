"""The one interface both engines implement."""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Sequence

from search.types import VARIANTS, SearchDocument, SearchQuery, SearchResults, SearchScope

Progress = Callable[[int], None]


# A relevance-sorted match larger than this is paged tier by tier (exact diacritics
# first), newest first within a tier, on both backends: ranking every row of a
# broad match costs more than a search may take.
RANK_LIMIT = 2_000


class SearchUnavailable(Exception):
    """The engine cannot be reached; the caller queues the change and retries."""


class SearchBackend(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def index(self, documents: Sequence[SearchDocument]) -> None:
        """Add or replace these documents (keyed by page and variant)."""

    @abc.abstractmethod
    def remove(self, page_ids: Iterable[int]) -> None:
        """Drop every variant of these records."""

    @abc.abstractmethod
    def query(self, query: SearchQuery, scope: SearchScope) -> SearchResults:
        """Hits, facet counts and total, all inside `scope`."""

    @abc.abstractmethod
    def rebuild(
        self, documents: Iterable[SearchDocument], *, progress: Progress | None = None
    ) -> int:
        """Build a complete new index from `documents` and switch to it at once."""

    def replace(self, page_ids: Iterable[int], documents: Sequence[SearchDocument]) -> None:
        """Make the index hold exactly `documents` for these records."""
        page_ids = set(page_ids)
        present = {doc.key for doc in documents}
        stale = [pid for pid in page_ids if not {f"{pid}-approved", f"{pid}-working"} <= present]
        if stale:
            self.remove_variants(
                [
                    (pid, variant)
                    for pid in stale
                    for variant in VARIANTS
                    if f"{pid}-{variant}" not in present
                ]
            )
        if documents:
            self.index(documents)

    @abc.abstractmethod
    def remove_variants(self, keys: Sequence[tuple[int, str]]) -> None:
        """Drop single variants, given as (page_id, variant)."""

    def refresh(self) -> None:
        """Make recent writes visible to queries (tests, commands)."""
        return None

    def clear(self) -> None:
        """Drop everything (tests, benchmarks)."""
        raise NotImplementedError
