"""The whole học bạ of a pupil (recordpages.hocba.book.Book) assembled from what the
product knows, in a constant number of queries whatever the number of years:

- the years imported from before the school used the product (PriorYearResult);
- the pupil's earlier học bạ records in the product, each as it was approved (its
  pinned revision), with the archived file's verification code and who signed it
  (archive.models.Signature rows; failing those, the approver);
- the record being rendered, whose blocks the visible digital signatures fill.

A year both imported and recorded in the product prints the product's record: it is
the one the school approved and signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import ArchivedVersion, DocumentKind, Signature, SignatureOutcome
from recordpages import programme
from recordpages.authorities import authority_term
from recordpages.hocba.book import (
    Book,
    CompetenceLine,
    PupilIdentity,
    SchoolIdentity,
    SignedBy,
    Signer,
    Source,
    StudyRow,
    SubjectLine,
    YearSection,
)
from recordpages.models import (
    ClassEnrollment,
    CompetenceLevel,
    PriorYearResult,
    Promotion,
    Pupil,
    SchoolPage,
    SchoolYear,
    StudentRecordPage,
    SubjectLevel,
    YearEndResult,
)
from workflow.models import RecordState, RecordVersion

TEACHER_ROLE, PRINCIPAL_ROLE = "giao_vien_chu_nhiem", "hieu_truong"
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


def _titles() -> dict[str, str]:
    return {TEACHER_ROLE: _("Giáo viên chủ nhiệm"), PRINCIPAL_ROLE: _("Hiệu trưởng")}


# --- one year's content, from a record or from an imported row ---------------------


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


def _record_content(record: StudentRecordPage, grade: int) -> _Content:
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


def _prior_content(prior: PriorYearResult) -> _Content:
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


def _section(
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


# --- who signed -----------------------------------------------------------------------


def _local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


@dataclass(frozen=True)
class _Signing:
    """What the product knows of how its records were signed, for many records at once."""

    states: dict[int, RecordState]
    signatures: dict[tuple[int, int, str], Signature]  # (page, version, field) → newest
    approvers: dict[int, str]  # page → who approved its newest version
    archived: dict[int, ArchivedVersion]  # page → its newest archived file

    @classmethod
    def load(cls, page_ids: list[int]) -> _Signing:
        states = {
            s.page_id: s
            for s in RecordState.objects.filter(page_id__in=page_ids).select_related(
                "approved_revision"
            )
        }
        signatures: dict[tuple[int, int, str], Signature] = {}
        for row in Signature.objects.filter(page_ref__in=page_ids).order_by("made_at", "pk"):
            signatures[(row.page_ref, row.version, row.field)] = row
        approvers: dict[int, str] = {}
        versions = (
            RecordVersion.objects.filter(record__page_id__in=page_ids, approved_by__isnull=False)
            .select_related("record", "approved_by__staff_profile")
            .order_by("number")
        )
        for version in versions:
            profile = getattr(version.approved_by, "staff_profile", None)
            approvers[version.record.page_id] = getattr(profile, "full_name", "") or ""
        archived = {
            row.page_ref: row
            for row in ArchivedVersion.objects.filter(
                page_ref__in=page_ids, kind=DocumentKind.RECORD
            ).order_by("version", "pk")
        }
        return cls(states=states, signatures=signatures, approvers=approvers, archived=archived)

    def signers(self, page_id: int, *, teacher: str, current: bool) -> tuple[Signer, ...]:
        """The homeroom teacher's and the principal's signatures of a record: in the
        current file they are digital (the blocks); of an earlier year, as signed."""
        state = self.states.get(page_id)
        version = state.version if state else 0
        fallback = {
            TEACHER_ROLE: (teacher, _local_date(state.submitted_at) if state else None),
            PRINCIPAL_ROLE: (
                self.approvers.get(page_id, ""),
                _local_date(state.approved_at) if state else None,
            ),
        }
        signers = []
        for role, title in _titles().items():
            row = self.signatures.get((page_id, version, role))
            name, signed_on = fallback[role]
            if current:
                how = SignedBy.DIGITAL
                name = row.signer_name if row else name
                signed_on = _local_date(row.made_at) if row else None
            elif row is not None and row.outcome == SignatureOutcome.SIGNED:
                how, name, signed_on = SignedBy.ARCHIVED, row.signer_name, _local_date(row.made_at)
            elif page_id in self.archived:
                # Recorded, or frozen before the chain: the archived file carries the
                # school's seal over the approved content.
                how = SignedBy.ARCHIVED
                name = row.signer_name if row else name
                signed_on = _local_date(row.made_at) if row else signed_on
            else:
                how = SignedBy.NOT_YET if signed_on is None else SignedBy.ARCHIVED
            signers.append(Signer(role, title, name, signed_on, how))
        return tuple(signers)

    def approved(self, record: StudentRecordPage) -> StudentRecordPage:
        """The record as approved (its pinned revision), else as it is."""
        state = self.states.get(record.pk)
        revision = state.approved_revision if state else None
        if revision is None:
            return record
        # Not Revision.as_object(): it fetches the page again and checks every foreign
        # key of every child row (one query each, 26 for a grade-4 học bạ). The content
        # fields are all the book reads; the revision's keys point at protected rows.
        approved = type(record).from_serializable_data(revision.content, check_fks=False)
        approved.pk = record.pk
        return approved


def _paper_signers(prior: PriorYearResult) -> tuple[Signer, ...]:
    titles = _titles()
    return (
        Signer(
            TEACHER_ROLE,
            titles[TEACHER_ROLE],
            prior.homeroom_teacher,
            prior.signed_on,
            SignedBy.PAPER,
        ),
        Signer(
            PRINCIPAL_ROLE, titles[PRINCIPAL_ROLE], prior.principal, prior.signed_on, SignedBy.PAPER
        ),
    )


_SOURCES = {
    "hoc_ba_giay": Source.PAPER,
    "csdl_nganh": Source.SECTOR_DATABASE,
    "truong_cu": Source.OTHER_SCHOOL,
}


# --- the book -------------------------------------------------------------------------


def _school_identity(page: StudentRecordPage, school_year: SchoolYear) -> SchoolIdentity:
    school = page.school
    term = authority_term(school, school_year)
    if term is not None:
        return SchoolIdentity(
            name=school.name,
            ministry_code=school.ministry_code,
            commune=term.commune,
            district=term.district,
            province=term.province,
            issuing_body=term.issuing_body.upper(),
            authority_name=term.authority_name,
            professional_body=term.professional_body,
        )
    # A school set up before authority terms: the page tree's authority, the school's place.
    school_page = SchoolPage.objects.filter(school=school).first()
    authority = school_page.get_parent().specific if school_page else None
    return SchoolIdentity(
        name=school.name,
        ministry_code=school.ministry_code,
        commune=school.place_name,
        district="",
        province="",
        issuing_body=(getattr(authority, "issuing_body", "") or "").upper(),
        authority_name=getattr(authority, "title", "") or "",
        professional_body="",
    )


def _photo_path(pupil: Pupil) -> str:
    if not pupil.photo_id:
        return ""
    try:
        return pupil.photo.get_rendition("fill-240x320|format-jpeg").file.path
    except Exception:  # noqa: BLE001 - a missing image file must not stop the book
        return ""


def _pupil_identity(pupil: Pupil) -> PupilIdentity:
    return PupilIdentity(
        ministry_id=pupil.ministry_id or "",
        full_name=pupil.full_name,
        sex=pupil.sex,
        sex_label=pupil.get_sex_display(),
        date_of_birth=pupil.date_of_birth,
        ethnicity=pupil.ethnicity,
        nationality=pupil.nationality,
        place_of_birth=pupil.place_of_birth,
        hometown=pupil.hometown,
        address=pupil.address,
        father_name=pupil.father_name,
        father_occupation=pupil.father_occupation,
        mother_name=pupil.mother_name,
        mother_occupation=pupil.mother_occupation,
        guardian_name=pupil.guardian_name,
        register_number=pupil.register_number,
        entry_date=pupil.entry_date,
        photo_path=_photo_path(pupil),
    )


def _history(
    pupil: Pupil,
    enrollments: Iterable[ClassEnrollment],
    priors: Iterable[PriorYearResult],
    school_name: str,
) -> tuple[StudyRow, ...]:
    """One row a year: the product's class (sổ đăng bộ) wins over an imported row.
    The register number is this school's; the entry date is printed on the first
    year at a school (the imported row's own date when it has one)."""
    rows: dict[str, StudyRow] = {
        p.school_year: StudyRow(p.school_year, p.class_name, p.school_name, "", p.entered_on)
        for p in priors
    }
    for e in enrollments:
        c = e.school_class
        rows[c.school_year.name] = StudyRow(c.school_year.name, c.name, c.school.name, "", None)
    ordered, previous_school = [], None
    for year in sorted(rows):
        row = rows[year]
        here = row.school_name.casefold() == school_name.casefold()
        entered = row.entered_on
        if entered is None and here and row.school_name != previous_school:
            entered = pupil.entry_date
        number = pupil.register_number if here else ""
        ordered.append(StudyRow(year, row.class_name, row.school_name, number, entered))
        previous_school = row.school_name
    return tuple(ordered)


def book_for(page: StudentRecordPage, *, frozen_ok: bool = True) -> Book:
    """The book as of `page`'s school year. `page` is normally the frozen object of
    the approved revision (the archive's); with frozen_ok=False a live page is
    replaced by its approved revision when it has one."""
    school_year = SchoolYear.objects.get(pk=page.school_year_id)
    pupil = Pupil.objects.select_related("photo").get(pk=page.pupil_id)
    enrollments = [
        e
        for e in ClassEnrollment.objects.filter(pupil=pupil).select_related(
            "school_class__school_year", "school_class__school", "school_class__homeroom_teacher"
        )
        if e.school_class.school_year.start_date <= school_year.start_date
    ]
    classes = {e.school_class_id: e.school_class for e in enrollments}
    priors = list(PriorYearResult.objects.filter(pupil=pupil))
    earlier = list(
        StudentRecordPage.objects.filter(
            pupil_id=pupil.pk, school_year__start_date__lt=school_year.start_date
        )
        .exclude(pk=page.pk)
        .select_related("school_year", "school_class__school", "school_class__homeroom_teacher")
        .prefetch_related("subject_results", "competence_results")
    )
    signing = _Signing.load([page.pk, *(r.pk for r in earlier)])
    if not frozen_ok:
        page = signing.approved(page)
    school = _school_identity(page, school_year)

    years: dict[str, YearSection] = {}
    for prior in priors:
        years[prior.school_year] = _section(
            _prior_content(prior),
            school_year=prior.school_year,
            class_name=prior.class_name,
            school_name=prior.school_name,
            signers=_paper_signers(prior),
            source=_SOURCES.get(prior.source, Source.PAPER),
        )
    for live in earlier:
        record = signing.approved(live)
        school_class = classes.get(record.school_class_id) or live.school_class
        archived = signing.archived.get(live.pk)
        years[live.school_year.name] = _section(
            _record_content(record, school_class.grade),
            school_year=live.school_year.name,
            class_name=school_class.name,
            school_name=school_class.school.name,
            signers=signing.signers(live.pk, teacher=_teacher_name(school_class), current=False),
            source=Source.RECORD,
            record_id=live.pk,
            verification_code=archived.verification_code if archived else "",
        )
    current_class = classes.get(page.school_class_id) or page.school_class
    years[school_year.name] = _section(
        _record_content(page, current_class.grade),
        school_year=school_year.name,
        class_name=current_class.name,
        school_name=page.school.name,
        signers=signing.signers(page.pk, teacher=_teacher_name(current_class), current=True),
        source=Source.RECORD,
        record_id=page.pk,
    )
    return Book(
        school=school,
        pupil=_pupil_identity(pupil),
        history=_history(pupil, enrollments, priors, page.school.name),
        years=tuple(years[name] for name in sorted(years)),
        current_year=school_year.name,
        record_id=page.pk,
    )


def _teacher_name(school_class) -> str:
    teacher = getattr(school_class, "homeroom_teacher", None)
    return getattr(teacher, "full_name", "") or ""
