"""Sổ đăng bộ: what its PDF prints, and what its data file says (archive.register_data).

One line per pupil (FORMS.md "Sổ đăng bộ"): the pupil's identity, the grade-1 photo,
entry, the whole study history (one year per row: class, result, promotion) from the
classes of this product with their học bạ and from the years imported from before
(PriorYearResult), leaving, and "Hoàn thành chương trình tiểu học" from the grade-5
year's promotion. Read in a fixed number of queries whatever the cohort's size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch

from archive.forms.photos import photo_data_uri
from archive.specs import A3_LANDSCAPE, DocumentSpec
from recordpages.models import (
    ClassEnrollment,
    EnrollmentRegisterPage,
    Promotion,
    Pupil,
    RegisterEntry,
    StudentRecordPage,
    YearEndResult,
)

RESULTS = dict(YearEndResult.choices)
PROMOTIONS = dict(Promotion.choices)


@dataclass(frozen=True)
class HistoryYear:
    """One school year of the pupil: where, and how it ended."""

    school_year: str
    grade: int
    class_name: str
    school_name: str
    result: str  # YearEndResult code or ""
    promotion: str  # Promotion code or ""
    ended_on: dt.date | None  # the day the year's result was decided (signed, or the year's end)
    imported: bool  # from PriorYearResult, not a class of this product

    @property
    def result_label(self) -> str:
        return str(RESULTS.get(self.result, ""))

    @property
    def promotion_label(self) -> str:
        return str(PROMOTIONS.get(self.promotion, ""))


@dataclass(frozen=True)
class RegisterLine:
    entry: RegisterEntry
    pupil: Pupil
    photo: str  # a data: URI, or ""
    history: tuple[HistoryYear, ...]
    left_on: dt.date | None
    left_reason: str
    completed_on: dt.date | None  # Hoàn thành chương trình tiểu học


def _enrollment_years(pupil: Pupil, records: dict[tuple[int, int], StudentRecordPage]):
    for enrollment in pupil.enrollments.all():
        school_class = enrollment.school_class
        year = school_class.school_year
        record = records.get((pupil.pk, year.pk))
        promotion = record.promotion if record is not None else ""
        if not promotion and enrollment.promoted is not None:
            promotion = Promotion.PROMOTED if enrollment.promoted else Promotion.REPEAT
        yield HistoryYear(
            school_year=year.name,
            grade=school_class.grade,
            class_name=school_class.name,
            school_name=school_class.school.name,
            result=record.year_end_result if record is not None else "",
            promotion=promotion,
            ended_on=year.end_date if promotion else None,
            imported=False,
        )


def _prior_years(pupil: Pupil):
    for prior in pupil.prior_results.all():
        yield HistoryYear(
            school_year=prior.school_year,
            grade=prior.grade,
            class_name=prior.class_name,
            school_name=prior.school_name,
            result=prior.year_end_result,
            promotion=prior.promotion,
            ended_on=prior.signed_on or dt.date(int(prior.school_year[-4:]), 5, 31),
            imported=True,
        )


def history_of(pupil: Pupil, records: dict[tuple[int, int], StudentRecordPage]):
    """Oldest year first; a year the product holds wins over the same year imported."""
    years = {y.school_year: y for y in _prior_years(pupil)}
    years.update({y.school_year: y for y in _enrollment_years(pupil, records)})
    return tuple(years[name] for name in sorted(years))


def completed_primary(entry: RegisterEntry, history: tuple[HistoryYear, ...]) -> dt.date | None:
    """What the clerk entered, else the day the grade-5 year ended in "Hoàn thành
    chương trình tiểu học"."""
    if entry.completed_on:
        return entry.completed_on
    done = [y for y in history if y.promotion == Promotion.COMPLETED_PRIMARY]
    return done[-1].ended_on if done else None


def _pupils(ids: list[int]) -> dict[int, Pupil]:
    enrollments = ClassEnrollment.objects.select_related(
        "school_class__school_year", "school_class__school"
    )
    return (
        Pupil.objects.select_related("photo")
        .prefetch_related(Prefetch("enrollments", queryset=enrollments), "prior_results")
        .in_bulk(ids)
    )


def _records(ids: list[int]) -> dict[tuple[int, int], StudentRecordPage]:
    """Each pupil's học bạ per school year: its year-end result and promotion."""
    rows = StudentRecordPage.objects.filter(pupil_id__in=ids).only(
        "pupil_id", "school_year_id", "year_end_result", "promotion"
    )
    return {(r.pupil_id, r.school_year_id): r for r in rows}


def register_lines(page: EnrollmentRegisterPage, *, photos: bool = True) -> list[RegisterLine]:
    """The register's lines in its order. The page may be a frozen revision (its entries
    in memory), so pupils are fetched by id, all at once."""
    entries = list(page.entries.all())
    ids = [entry.pupil_id for entry in entries]
    pupils, records = _pupils(ids), _records(ids)
    lines = []
    for entry in entries:
        pupil = pupils[entry.pupil_id]
        history = history_of(pupil, records)
        left = next((e for e in pupil.enrollments.all() if e.left_on), None)
        lines.append(
            RegisterLine(
                entry=entry,
                pupil=pupil,
                photo=photo_data_uri(pupil.photo) if photos and pupil.photo_id else "",
                history=history,
                left_on=entry.left_on or (left.left_on if left else None),
                left_reason=entry.left_reason or (left.left_reason if left else ""),
                completed_on=completed_primary(entry, history),
            )
        )
    return lines


def enrollment_register(page: EnrollmentRegisterPage) -> DocumentSpec:
    return DocumentSpec(
        template="pdf/enrollment_register.html",
        page_size=A3_LANDSCAPE,
        title=page.title,
        context={"lines": register_lines(page)},
    )
