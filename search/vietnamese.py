"""Vietnamese tokens shared by both backends, so that both match the same way.

Text is cut into words in Python, never by an engine's own parser: PostgreSQL's
parser depends on the database locale and SQLite's and Elasticsearch's differ
on punctuation. Each word gives a *folded* token (no diacritics, đ = d, lower
case) and an *exact* token that keeps the diacritics but is spelled in ASCII,
so that every engine indexes it as one plain word.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, islice
from math import comb

from recordpages.text import fold, normalize_text

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUOTED = re.compile(r'"([^"]*)"?')

# Diacritics as single ASCII letters (close to Telex), so an exact token is ASCII.
_MARKS = {
    "\u0302": "a",  # circumflex: â ê ô
    "\u0306": "w",  # breve: ă
    "\u031b": "o",  # horn: ơ ư
    "\u0300": "f",  # huyền
    "\u0301": "s",  # sắc
    "\u0309": "r",  # hỏi
    "\u0303": "x",  # ngã
    "\u0323": "j",  # nặng
}


@dataclass(frozen=True)
class Clause:
    """One required part of a query: a word, or a quoted phrase of several words."""

    words: tuple[str, ...]

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def folded(self) -> tuple[str, ...]:
        return tuple(fold(word) for word in self.words)

    @property
    def exact(self) -> tuple[str, ...]:
        return tuple(exact_token(word) for word in self.words)


def words(text: str) -> list[str]:
    """The words of a text, NFC with new-style tone placement, lower case."""
    return _WORD.findall(normalize_text(text or "").lower())


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """fold() of one word, remembered: a corpus has a few thousand distinct syllables."""
    return fold(word)


@lru_cache(maxsize=200_000)
def exact_token(word: str) -> str:
    """ "hoạch" → "hoachx6j": the folded word plus its marks with their positions.

    Two words give the same exact token only if they have the same letters and
    the same diacritics in the same places; "ke" stays "ke".
    """
    signature: list[str] = []
    base: list[str] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char == "đ":
            base.append("d")
            signature.append(f"{len(base)}d")
        elif char in _MARKS:
            signature.append(f"{len(base)}{_MARKS[char]}")
        elif unicodedata.category(char) != "Mn":
            base.append(char)
    folded = "".join(base)
    return f"{folded}z{''.join(signature)}" if signature else folded


def token_streams(text: str) -> tuple[str, str]:
    """The exact and the folded token streams of a text, one space between tokens,
    cutting the text into words once."""
    tokens = words(text)
    return " ".join(map(exact_token, tokens)), " ".join(map(fold_word, tokens))


def words_required(count: int) -> int:
    """Of a query's unquoted words, how many a hit must hold: every one of up to
    three, all but one of four or five, three in four beyond (rounded up). A long
    query is often a sentence typed from memory, with a word the record lacks."""
    if count <= 3:
        return count
    if count <= 5:
        return count - 1
    return -(-count * 3 // 4)


# Words of a query within this many words of each other rank a hit up (FTS5 NEAR;
# the phrase slop on Elasticsearch).
NEAR = 10
MAX_GROUPS = 64


@dataclass(frozen=True)
class Matching:
    """What a hit must hold and what ranks it up, the same on every engine."""

    clauses: tuple[Clause, ...]

    @property
    def phrases(self) -> list[Clause]:
        return [c for c in self.clauses if c.is_phrase]

    @property
    def words(self) -> list[Clause]:
        return [c for c in self.clauses if not c.is_phrase]

    @property
    def required(self) -> int:
        return words_required(len(self.words))

    @property
    def complete(self) -> bool:
        """Every clause is required (a short query)."""
        return self.required == len(self.words)

    def word_groups(self) -> list[tuple[Clause, ...]]:
        """Each way of holding `required` of the words, which an engine's index
        answers as one OR; none past MAX_GROUPS (a very long query), when the
        engine matches any word and counts a row's words instead."""
        groups = list(islice(combinations(self.words, self.required), MAX_GROUPS + 1))
        return groups if len(groups) <= MAX_GROUPS else []

    def prefilter(self, frequency: Mapping[str, float]) -> tuple[int, tuple[Clause, ...]]:
        """(j, the r rarest words): every hit holds j of them, a condition an index
        answers alone for a query past MAX_GROUPS. A hit lacks at most n - required
        of the n words, so it holds required - (n - r) of any r (the pigeonhole:
        one of n - required + 1); the rarer the words, the fewer rows hold them,
        and r grows while those groups of j stay within MAX_GROUPS. `frequency`
        maps a folded word to how many rows hold it (absent: none)."""
        count, required = len(self.words), self.required
        rarest = sorted(self.words, key=lambda c: frequency.get(c.folded[0], 0))
        size = count - required + 1
        while size < count and comb(size + 1, size + 1 - count + required) <= MAX_GROUPS:
            size += 1
        return size - count + required, tuple(rarest[:size])

    @property
    def proximity(self) -> tuple[str, ...]:
        """The folded words of the whole query, which rank a hit up when they stand
        together in this order; () for a single clause (already matched as such)."""
        if len(self.clauses) < 2:
            return ()
        return tuple(token for clause in self.clauses for token in clause.folded)


def parse_query(text: str) -> list[Clause]:
    """Quoted parts are phrases, which must match; every other word is its own
    clause, of which words_required() must match."""
    clauses: list[Clause] = []
    position = 0
    for match in _QUOTED.finditer(text or ""):
        clauses.extend(Clause((word,)) for word in words(text[position : match.start()]))
        phrase = tuple(words(match.group(1)))
        if phrase:
            clauses.append(Clause(phrase))
        position = match.end()
    clauses.extend(Clause((word,)) for word in words((text or "")[position:]))
    return clauses


def highlight(text: str, clauses: list[Clause], *, width: int = 30, mark: str = "mark") -> str:
    """An HTML-escaped window of `text` around the densest matches, each matched
    word wrapped in <mark>, with the text's own diacritics."""
    wanted = {token for clause in clauses for token in clause.folded}
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    if not spans:
        return ""
    hits = [i for i, (start, end) in enumerate(spans) if fold_word(text[start:end]) in wanted]
    first = 0
    if hits:
        # The window of `width` words holding the most hits.
        best = max(hits, key=lambda i: sum(1 for j in hits if i <= j < i + width))
        first = max(0, best - 3)
    last = min(len(spans), first + width) - 1
    hit_set = set(hits)
    out: list[str] = ["… " if first > 0 else ""]
    cursor = spans[first][0]
    for i in range(first, last + 1):
        start, end = spans[i]
        out.append(html.escape(text[cursor:start]))
        word = html.escape(text[start:end])
        out.append(f"<{mark}>{word}</{mark}>" if i in hit_set else word)
        cursor = end
    if last < len(spans) - 1:
        out.append(" …")
    return "".join(out).strip()


def matches(text: str, clauses: list[Clause]) -> bool:
    wanted = {token for clause in clauses for token in clause.folded}
    return any(fold_word(word) in wanted for word in _WORD.findall(text))


def snippet_for(title: str, body: str, clauses: list[Clause]) -> str:
    """The body around the matches; the title when only the title matched."""
    if clauses and not matches(body, clauses) and matches(title, clauses):
        return highlight(title, clauses)
    return highlight(body, clauses)
