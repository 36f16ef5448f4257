"""One school year of the học bạ (a YearSection) from a record of the product or from
an imported row (PriorYearResult): the same lines, whichever it comes from
(archive.forms.hocba_book assembles the years)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from recordpages import programme
from recordpages.hocba.book import CompetenceLine, Signer, SubjectLine, YearSection
from recordpages.models import (
    CompetenceLevel,
    PriorYearResult,
    Promotion,
    StudentRecordPage,
    SubjectLevel,
    YearEndResult,
)

_KINDS = (
    ("pham_chat", programme.QUALITIES),
    ("nang_luc_chung", programme.GENERAL_COMPETENCES),
    ("nang_luc_dac_thu", programme.SPECIFIC_COMPETENCES),
)


def _label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label) if code else ""
    except ValueError:  # an imported code the form does not know: printed as typed
        return code


def _subject_lines(grade: int, results: dict[str, dict[str, Any]]) -> tuple[SubjectLine, ...]:
    """The grade's subjects in the programme's order, then any other subject the
    year has a result for (an elective, an imported subject)."""
    codes = [s.code for s in programme.subjects_for_grade(grade)]
    codes += [code for code in results if code not in codes]
    lines = []
    for code in codes:
        result = results.get(code, {})
        subject = programme.SUBJECTS_BY_CODE.get(code)
        tested = bool(subject and subject.has_test(grade))
        level = result.get("level") or ""
        lines.append(
            SubjectLine(
                code=code,
                name=subject.name if subject else code,
                level=level,
                level_label=_label(SubjectLevel, level),
                tested=tested,
                score=result.get("score") if tested else None,
                comment=result.get("comment") or "",
            )
        )
    return tuple(lines)


def _competence_lines(results: dict[str, dict[str, Any]]) -> dict[str, tuple[CompetenceLine, ...]]:
    lines: dict[str, tuple[CompetenceLine, ...]] = {}
    for kind, pairs in _KINDS:
        lines[kind] = tuple(
            CompetenceLine(
                code=code,
                name=name,
                kind=kind,
                level=results.get(code, {}).get("level") or "",
                level_label=_label(CompetenceLevel, results.get(code, {}).get("level") or ""),
                comment=results.get(code, {}).get("comment") or "",
            )
            for code, name in pairs
        )
    return lines


@dataclass(frozen=True)
class _Content:
    """What a year section prints besides who it is and who signed it."""

    grade: int
    height_cm: int | None
    weight_kg: Decimal | None
    days_absent_excused: int
    days_absent_unexcused: int
    subjects: dict[str, dict[str, Any]]
    competences: dict[str, dict[str, Any]]
    year_end_result: str
    commendation: str
    promotion: str
    teacher_comment: str


def record_content(record: StudentRecordPage, grade: int) -> _Content:
    subjects = {
        r.subject: {"level": r.level, "score": r.score_year, "comment": r.comment}
        for r in record.subject_results.all()
    }
    competences = {
        r.competence: {"level": r.level, "comment": r.comment}
        for r in record.competence_results.all()
    }
    weight = record.weight_kg
    return _Content(
        grade=grade,
        height_cm=record.height_cm,
        weight_kg=Decimal(str(weight)) if weight not in (None, "") else None,
        days_absent_excused=record.days_absent_excused or 0,
        days_absent_unexcused=record.days_absent_unexcused or 0,
        subjects=subjects,
        competences=competences,
        year_end_result=record.year_end_result or "",
        commendation=record.commendation or "",
        promotion=record.promotion or "",
        teacher_comment=record.teacher_comment or "",
    )


def prior_content(prior: PriorYearResult) -> _Content:
    return _Content(
        grade=prior.grade,
        height_cm=prior.height_cm,
        weight_kg=prior.weight_kg,
        days_absent_excused=prior.days_absent_excused,
        days_absent_unexcused=prior.days_absent_unexcused,
        subjects={row.get("subject", ""): row for row in prior.subjects or []},
        competences={row.get("competence", ""): row for row in prior.competences or []},
        year_end_result=prior.year_end_result,
        commendation=prior.commendation,
        promotion=prior.promotion,
        teacher_comment=prior.teacher_comment,
    )


def section(
    content: _Content,
    *,
    school_year: str,
    class_name: str,
    school_name: str,
    signers: tuple[Signer, ...],
    source: str,
    record_id: int | None = None,
    verification_code: str = "",
) -> YearSection:
    competences = _competence_lines(content.competences)
    return YearSection(
        school_year=school_year,
        grade=content.grade,
        class_name=class_name,
        school_name=school_name,
        height_cm=content.height_cm,
        weight_kg=content.weight_kg,
        days_absent_excused=content.days_absent_excused,
        days_absent_unexcused=content.days_absent_unexcused,
        subjects=_subject_lines(content.grade, content.subjects),
        qualities=competences["pham_chat"],
        general_competences=competences["nang_luc_chung"],
        specific_competences=competences["nang_luc_dac_thu"],
        year_end_result=content.year_end_result,
        year_end_result_label=_label(YearEndResult, content.year_end_result),
        commendation=content.commendation,
        promotion=content.promotion,
        promotion_label=_label(Promotion, content.promotion),
        teacher_comment=content.teacher_comment,
        signers=signers,
        source=source,
        record_id=record_id,
        verification_code=verification_code,
    )
