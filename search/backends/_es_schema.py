"""The Elasticsearch index: its mapping, its analysers, and the source of one document.

Private to the Elasticsearch backend (search.backends.elasticsearch); the analysers
are why the engine needs no Vietnamese plugin (see that module's docstring).
"""

from __future__ import annotations

from recordpages.text import normalize_text
from search.types import SearchDocument

MAX_TEXT = 200_000

_HIT_SOURCE = (
    "page_id",
    "variant",
    "title",
    "body",
    "record_type",
    "state",
    "school_id",
    "school_name",
    "school_year",
    "date",
    "revision_id",
)
_FACET_FIELDS = {
    "school": "school_id",
    "year": "school_year",
    "record_type": "record_type",
    "state": "state",
    "grade": "grade",
    "subject": "subject",
}
# Title and body are matched through the fields they are copied to; the title is
# also indexed on its own for a small relevance bonus.
_COPIED = ["text", "text_exact"]
# Facet fields: global ordinals built at refresh, not by the first query after it.
_FACET_KEYWORD = {"type": "keyword", "eager_global_ordinals": True}
MAPPING = {
    "dynamic": "strict",
    "properties": {
        "page_id": {"type": "long"},
        "variant": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "vi_folded", "copy_to": _COPIED},
        "body": {"type": "text", "index": False, "copy_to": _COPIED},
        # Two-word shingles: a quoted phrase is answered from them instead of checking
        # positions in every document that holds all its words.
        "text": {"type": "text", "analyzer": "vi_folded", "index_phrases": True},
        "text_exact": {"type": "text", "analyzer": "vi_exact", "index_phrases": True},
        "record_type": _FACET_KEYWORD,
        "state": _FACET_KEYWORD,
        "school_id": {"type": "long"},
        "school_name": {"type": "keyword", "index": False},
        "school_year": _FACET_KEYWORD,
        "group_id": {"type": "long"},
        "group_name": {"type": "keyword", "index": False},
        "grade": {"type": "integer"},
        "subject": _FACET_KEYWORD,  # several per document (a lesson plan's lessons)
        "author_id": {"type": "long"},
        "author_name": {"type": "keyword", "index": False},
        "date": {"type": "date"},
        "deadline": {"type": "date"},
        "revision_id": {"type": "long"},
    },
}
ANALYSIS = {
    "analyzer": {
        "vi_folded": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["lowercase", "asciifolding"],
        },
        "vi_exact": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase"]},
    }
}


def _source(doc: SearchDocument) -> dict:
    return {
        "page_id": doc.page_id,
        "variant": doc.variant,
        "title": normalize_text(doc.title),
        "body": normalize_text(doc.body[:MAX_TEXT]),
        "record_type": doc.record_type,
        "state": doc.state,
        "school_id": doc.school_id,
        "school_name": doc.school_name,
        "school_year": doc.school_year,
        "group_id": doc.group_id,
        "group_name": doc.group_name,
        "grade": doc.grade,
        "subject": list(doc.subjects),
        "author_id": doc.author_id,
        "author_name": doc.author_name,
        "date": doc.date.isoformat(),
        "deadline": doc.deadline.isoformat() if doc.deadline else None,
        "revision_id": doc.revision_id,
    }
