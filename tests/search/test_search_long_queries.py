"""A long query (past MAX_GROUPS groups of its words) on the database backend: the
index first selects the rows holding enough of its rarest words, an exact
prefilter that must never change which records match nor their order."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from conftest import EVERYTHING, make_doc

from search.backends.database import DatabaseBackend
from search.types import SearchQuery
from search.vietnamese import Matching, fold_word, parse_query, words

pytestmark = pytest.mark.django_db

QUERIES = [
    "Học sinh đọc hiểu đoạn văn, luyện từ và câu, kể chuyện",  # 12 words: 9 needed
    "Học sinh hoàn thành tốt nhiệm vụ, yêu nước, nhân ái, chăm chỉ, trung thực",  # 15: 12
    "Giáo viên tổ chức hoạt động trải nghiệm cho học sinh, đánh giá phẩm chất "
    "năng lực tự chủ tự học",  # 21 words, "tự" and "học" twice: 16 needed
]
FILLER = "nội dung sinh hoạt của tổ trong tháng mười về các buổi ngoài giờ lên lớp".split()


def _plan(text: str) -> Matching:
    return Matching(tuple(parse_query(text)))


def _rows_holding(text: str, counts: dict[int, set[str]]) -> set[int]:
    """The records holding `required` of the query's words (a repeated word counts
    each time): what a long query means, computed here without any engine."""
    plan = _plan(text)
    tokens = [c.folded[0] for c in plan.words]
    return {
        page for page, held in counts.items() if sum(t in held for t in tokens) >= plan.required
    }


def _corpus() -> list:
    """Records drawing each query word with its own chance (from four rows in ten
    to nearly all), so that many rows stand near three quarters of a query; and
    for each query, a record lacking exactly its n - required rarest words (a hit
    that only a prefilter of the right size keeps) and one lacking one more."""
    rng = random.Random(18)
    vocabulary = sorted({w for text in QUERIES for w in words(text)})
    chance = {w: 0.4 + 0.58 * (i % 9) / 8 for i, w in enumerate(vocabulary)}
    bodies = [
        [w for w in vocabulary if rng.random() < chance[w]] + rng.sample(FILLER, 5)
        for _ in range(160)
    ]
    held = Counter(fold_word(w) for body in bodies for w in set(body))
    for text in QUERIES:
        plan = _plan(text)
        rarest = sorted(dict.fromkeys(c.folded[0] for c in plan.words), key=held.__getitem__)
        lacking = len(plan.words) - plan.required
        for missing in (rarest[:lacking], rarest[: lacking + 1]):
            bodies.append([w for w in words(text) if fold_word(w) not in missing])
    return [
        make_doc(page, f"Biên bản {page}", " ".join(body)) for page, body in enumerate(bodies, 1)
    ]


class _FrequentFirst(DatabaseBackend):
    """The same backend, told that the most common words are the rarest: its
    prefilter then holds for nearly every row, as good as none."""

    @property
    def _dialect(self):
        dialect = super()._dialect
        real = dialect.frequencies
        dialect.frequencies = lambda plan: {w: -n for w, n in real(plan).items()}
        return dialect


@pytest.fixture
def long_corpus(db_backend):
    documents = _corpus()
    db_backend.index(documents)
    _analyze()
    counts = {d.page_id: {fold_word(w) for w in words(f"{d.title} {d.body}")} for d in documents}
    return db_backend, counts


def _analyze() -> None:
    """PostgreSQL: fresh word statistics, read afresh by the next query."""
    from django.db import connection

    from search.backends._dialects import forget_frequencies

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchentry")
        forget_frequencies()


def _hits(backend, text: str) -> tuple[int, list[int]]:
    results = backend.query(SearchQuery(text=text, per_page=200), EVERYTHING)
    return results.total, [hit.page_id for hit in results.hits]


@pytest.mark.parametrize("text", QUERIES, ids=["12 words", "15 words", "21 words"])
def test_a_long_query_matches_the_same_records_in_the_same_order_whatever_its_prefilter(
    long_corpus, text
):
    backend, counts = long_corpus
    expected = _rows_holding(text, counts)
    assert 20 < len(expected) < len(counts) - 20  # the corpus tells hits from misses
    total, hits = _hits(backend, text)
    assert set(hits) == expected and total == len(expected)
    assert _hits(_FrequentFirst(), text) == (total, hits)


def test_a_long_query_is_prefiltered_by_its_rarest_words(long_corpus):
    """The engine's word counts (SQLite's FTS5 vocabulary, PostgreSQL's statistics)
    name the words fewest records hold, and every hit holds `required - (n - r)` of
    those r: one of n - required + 1 at the least, more while the groups stay few."""
    from django.db import connection

    backend, counts = long_corpus
    held = Counter(token for tokens in counts.values() for token in tokens)
    for text in QUERIES:
        plan = _plan(text)
        needed, rarest = plan.prefilter(backend._dialect.frequencies(plan))
        size, lacking = len(rarest), len(plan.words) - plan.required
        assert needed == size - lacking >= 1, connection.vendor
        chosen = sorted(held[c.folded[0]] for c in rarest)
        others = [held[c.folded[0]] for c in plan.words]
        assert chosen == sorted(others)[:size], (text, chosen, sorted(others))
