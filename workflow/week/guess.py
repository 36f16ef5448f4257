"""What a week's files say about themselves: the week and the subject from their
names ("KHBD_T12_Toan_Bai45.docx", "Tuần 12 - Tiếng Việt.doc"), the lesson from
the group's teaching plan for that week. Pure functions: no database, no request.

Names are folded (no diacritics, lower case, đ → d) and cut into words at every
separator and between letters and digits, so "Tuan12", "tuần 12" and "T12" read
the same."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from recordpages.programme import SUBJECTS, SUBJECTS_BY_CODE
from recordpages.text import fold, normalize_text
from recordpages.weeks import MAX_WEEK

# Short forms teachers use in file names, besides each subject's name and code.
_ALIASES: dict[str, tuple[str, ...]] = {
    "tieng_viet": ("tv", "tiengviet", "tieng viet"),
    "toan": ("toan",),
    "dao_duc": ("daoduc", "dao duc"),
    "tu_nhien_xa_hoi": ("tnxh", "tu nhien xa hoi", "tu nhien va xa hoi"),
    "hoat_dong_trai_nghiem": ("hdtn", "trai nghiem", "hoat dong trai nghiem", "shdc"),
    "am_nhac": ("am nhac", "amnhac"),
    "mi_thuat": ("mi thuat", "my thuat", "mithuat", "mythuat"),
    "giao_duc_the_chat": ("gdtc", "the duc", "giao duc the chat"),
    "ngoai_ngu_1": ("tieng anh", "tienganh", "ngoai ngu", "anh van"),
    "tin_hoc_cong_nghe": ("tin hoc", "tinhoc", "cong nghe", "thcn"),
    "khoa_hoc": ("khoa hoc", "khoahoc"),
    "lich_su_dia_li": ("lich su", "dia li", "dia ly", "lsdl", "ls dl"),
}
# "toàn" (whole, safe) folds to "toan", the code of Toán: "HĐTN An toàn giao thông" is
# not a maths file. The accented word is dropped before folding; in a name typed
# without diacritics only the common phrases can be told apart ("giao an" first: in
# "giao an toan" the lesson plan is a maths one).
_TOAN_LOOKALIKE = re.compile(r"(?<!\w)to\u00e0n(?!\w)", re.IGNORECASE)  # "toàn"
_NOT_SUBJECTS = ("giao an", "an toan", "hoan toan", "toan truong", "toan dien")
_WEEK = re.compile(r"(?:^| )(?:tuan|t|w|week) ?0*(\d{1,2})(?= |$)")
_EXTENSION = re.compile(r"\.[a-z0-9]{2,4}$")
# Words that say nothing about which lesson a name or title is.
_NOISE = frozenset({"bai", "tiet", "tuan", "lop", "khbd", "ke", "hoach", "day", "giao", "an"})


def words(text: str) -> str:
    """Folded text as space-separated words, letters and digits apart."""
    folded = _EXTENSION.sub("", fold(text or ""))
    folded = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", folded)
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def _phrases() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for subject in SUBJECTS:
        found[words(subject.name)] = subject.code
        found[subject.code.replace("_", " ")] = subject.code
        for alias in _ALIASES.get(subject.code, ()):
            found[alias] = subject.code
    return list(found.items())


_PHRASES = _phrases()


def week_from_name(name: str) -> int | None:
    """The week a file name names ("Tuan 12", "tuần 12", "T12", "_T12_"), or None."""
    match = _WEEK.search(words(name))
    if match is None:
        return None
    week = int(match.group(1))
    return week if 1 <= week <= MAX_WEEK else None


def subject_from_name(name: str) -> str | None:
    """The programme subject code a file name names ("Toán", "TV", "TNXH"), or None.
    A name naming two ("TNXH tích hợp Toán") is the first one's file: the main subject
    is written first, an integrated one after it."""
    text = f" {words(_TOAN_LOOKALIKE.sub(' ', normalize_text(name)))} "
    if (name or "").isascii():
        for phrase in _NOT_SUBJECTS:
            text = text.replace(f" {phrase} ", " ")
    # No phrase of one subject starts another subject's phrase (tested), so the
    # position alone decides; the code only makes the order total.
    found = [(text.find(f" {phrase} "), code) for phrase, code in _PHRASES if f" {phrase} " in text]
    return min(found)[1] if found else None


@dataclass(frozen=True)
class PlannedLesson:
    """One row of the group's teaching plan: what a subject teaches in a week."""

    subject: str
    lesson_title: str
    periods: int
    topic: str = ""


def _significant(text: str) -> set[str]:
    return {word for word in words(text).split() if word not in _NOISE}


def lesson_from_name(name: str, planned: Sequence[PlannedLesson]) -> PlannedLesson | None:
    """The planned lesson whose title a file name shares most words with (a lesson
    number such as "Bai45" counts); None unless at least half of the title's
    significant words, or its number, appear in the name."""
    name_words = _significant(name)
    best, best_score = None, 0.0
    for lesson in planned:
        title_words = _significant(lesson.lesson_title)
        if not title_words:
            continue
        shared = name_words & title_words
        numbers = {word for word in shared if word.isdigit()}
        score = len(shared) / len(title_words) + (1.0 if numbers else 0.0)
        if score > best_score:
            best, best_score = lesson, score
    return best if best_score >= 0.5 else None


@dataclass(frozen=True)
class FileGuess:
    """What one file's name tells: each part None when it could not be guessed."""

    name: str
    week: int | None
    subject: str | None
    lesson: PlannedLesson | None

    @property
    def subject_name(self) -> str:
        return SUBJECTS_BY_CODE[self.subject].name if self.subject in SUBJECTS_BY_CODE else ""


def guess_file(name: str, planned: Sequence[PlannedLesson] = ()) -> FileGuess:
    subject = subject_from_name(name)
    candidates = [lesson for lesson in planned if subject is None or lesson.subject == subject]
    # The week's number is not the lesson's ("Tuan 12 … Bai 45" is not "Bài 12").
    lesson = lesson_from_name(_WEEK.sub(" ", words(name)), candidates)
    if subject is None and lesson is not None:
        subject = lesson.subject
    return FileGuess(name=name, week=week_from_name(name), subject=subject, lesson=lesson)


def week_of_files(names: Iterable[str]) -> int | None:
    """The week the files agree on: the one most of them name (ties: the earliest)."""
    counts: dict[int, int] = {}
    for name in names:
        week = week_from_name(name)
        if week is not None:
            counts[week] = counts.get(week, 0) + 1
    if not counts:
        return None
    return min(counts, key=lambda week: (-counts[week], week))
