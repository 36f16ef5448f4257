"""The typed values that cross the backend interface: documents in, results out,
and the asker's scope as data the engines turn into their own filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Variant = Literal["approved", "working"]
APPROVED: Variant = "approved"
WORKING: Variant = "working"
VARIANTS: tuple[Variant, ...] = (APPROVED, WORKING)

MAX_RESULTS = 10_000
FACETS = ("school", "year", "record_type", "state", "grade", "subject")


@dataclass(frozen=True)
class SearchDocument:
    """One version of one record as the index holds it.

    A record has up to two: the latest approved version (what authority readers
    and the public see) and the working version (for people allowed drafts).
    """

    page_id: int
    variant: Variant
    title: str
    body: str
    record_type: str
    state: str
    school_id: int
    school_name: str
    school_year: str
    date: dt.datetime
    group_id: int | None = None
    group_name: str = ""
    grade: int | None = None
    subjects: tuple[str, ...] = ()  # a lesson plan's lessons may be of several
    author_id: int | None = None
    author_name: str = ""
    deadline: dt.date | None = None
    revision_id: int | None = None

    @property
    def key(self) -> str:
        return f"{self.page_id}-{self.variant}"


@dataclass(frozen=True)
class SearchFilters:
    school_ids: tuple[int, ...] = ()
    years: tuple[str, ...] = ()
    record_types: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    grades: tuple[int, ...] = ()
    subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    """One search. Pages reach the first MAX_RESULTS hits at most (Elasticsearch's
    result window; past it, narrow the search): a later page is the last one within."""

    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    sort: Literal["relevance", "date"] = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self):
        last = max(1, MAX_RESULTS // max(self.per_page, 1))
        if self.page > last:
            object.__setattr__(self, "page", last)

    @property
    def offset(self) -> int:
        return (max(self.page, 1) - 1) * self.per_page


@dataclass(frozen=True)
class WorkingAccess:
    """Working versions the asker may read: their school's (all, or only their own
    and their groups' records). school_ids None means every school."""

    school_ids: tuple[int, ...] | None
    whole_school: bool
    author_id: int | None = None
    group_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ApprovedAccess:
    """Approved versions the asker may read, limited by school, state and type."""

    school_ids: tuple[int, ...] | None
    states: tuple[str, ...]
    record_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SearchScope:
    """What one asker may find. A record visible through `working` is shown in its
    working version only, so no record ever appears twice."""

    working: WorkingAccess | None = None
    approved: ApprovedAccess | None = None

    @property
    def is_empty(self) -> bool:
        return self.working is None and self.approved is None


@dataclass(frozen=True)
class SearchHit:
    page_id: int
    variant: Variant
    title: str
    snippet: str  # HTML: escaped text with <mark> around matches
    record_type: str
    state: str
    school_id: int
    school_name: str
    school_year: str
    date: dt.datetime
    score: float = 0.0
    revision_id: int | None = None


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int
    label: str = ""


@dataclass
class SearchResults:
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetCount]]
    page: int = 1
    per_page: int = 20
    public: bool = False  # found with the public scope: links go to the public site

    @property
    def num_pages(self) -> int:
        """Pages offered: those within the first MAX_RESULTS hits."""
        return max(1, -(-min(self.total, MAX_RESULTS) // self.per_page))
