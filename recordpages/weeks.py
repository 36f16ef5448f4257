"""The school week as data: week numbers counted from the school year's start, and
a lesson plan's content moved from one week to another.

Pure functions over dates and raw StreamField data (lists of {"type", "value"}
dicts), so the model (copy, duplicate check) and the workflow's week screens share
one rule for "week N" and "the same plan a week later"."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from recordpages.programme import WEEKS_PER_YEAR

MAX_WEEK = 37  # the week field's bound: 35 teaching weeks and two of margin

RawStream = list[dict[str, Any]]


def first_monday(start_date: dt.date) -> dt.date:
    """Monday of week 1: the week the school year starts in."""
    return start_date - dt.timedelta(days=start_date.weekday())


def monday_of_week(start_date: dt.date, week: int) -> dt.date:
    return first_monday(start_date) + dt.timedelta(weeks=week - 1)


def week_containing(start_date: dt.date, day: dt.date) -> int:
    """The week number of `day`, held inside 1 … WEEKS_PER_YEAR."""
    return max(1, min(WEEKS_PER_YEAR, (day - first_monday(start_date)).days // 7 + 1))


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _fresh(block: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    # A new block id: Wagtail tells blocks apart by id, and a copy is a new block.
    return {"type": block.get("type"), "value": value, "id": str(uuid.uuid4())}


def shift_lessons(lessons: RawStream, days: int) -> RawStream:
    """The lessons with every teaching date moved by `days` (a week later: 7)."""
    moved: RawStream = []
    for block in lessons:
        value = dict(block.get("value") or {})
        day = _parse_date(value.get("teaching_date"))
        if day is not None:
            value["teaching_date"] = (day + dt.timedelta(days=days)).isoformat()
        moved.append(_fresh(block, value))
    return moved


def advance_timetable(rows: RawStream, titles: dict[str, list[str]] | None = None) -> RawStream:
    """Next week's báo giảng from this week's: weekday, session, period, subject and
    aids kept; each subject's PPCT numbers continue after this week's highest; lesson
    titles come from `titles` (subject → next week's lessons, in order) or are left
    for the teacher to type, never last week's title standing for this week's."""
    titles = titles or {}
    highest: dict[str, int] = {}
    for row in rows:
        value = row.get("value") or {}
        if isinstance(value.get("ppct"), int):
            subject = value.get("subject", "")
            highest[subject] = max(highest.get(subject, 0), value["ppct"])
    used: dict[str, int] = {}
    advanced: RawStream = []
    for row in rows:
        value = dict(row.get("value") or {})
        subject = value.get("subject", "")
        position = used.get(subject, 0)
        used[subject] = position + 1
        if subject in highest:
            value["ppct"] = highest[subject] + position + 1
        subject_titles = titles.get(subject) or []
        if subject_titles:
            value["lesson_title"] = subject_titles[min(position, len(subject_titles) - 1)]
        else:
            value["lesson_title"] = ""
        value["notes"] = ""
        advanced.append(_fresh(row, value))
    return advanced
