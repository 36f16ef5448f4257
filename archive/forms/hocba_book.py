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

from collections.abc import Iterable

from archive.forms.hocba_signing import Signing, paper_signers
from archive.forms.hocba_years import prior_content, record_content, section
from archive.forms.photos import photo_data_uri
from recordpages.authorities import authority_term, tree_authority
from recordpages.hocba.book import (
    Book,
    PupilIdentity,
    SchoolIdentity,
    Source,
    StudyRow,
    YearSection,
)
from recordpages.models import (
    ClassEnrollment,
    PriorYearResult,
    Pupil,
    SchoolYear,
    StudentRecordPage,
)

_SOURCES = {
    "hoc_ba_giay": Source.PAPER,
    "csdl_nganh": Source.SECTOR_DATABASE,
    "truong_cu": Source.OTHER_SCHOOL,
}


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
    authority = tree_authority(school)
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
        photo_uri=photo_data_uri(pupil.photo if pupil.photo_id else None),
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
    signing = Signing.load([page.pk, *(r.pk for r in earlier)])
    if not frozen_ok:
        page = signing.approved(page)
    school = _school_identity(page, school_year)

    years: dict[str, YearSection] = {}
    for prior in priors:
        years[prior.school_year] = section(
            prior_content(prior),
            school_year=prior.school_year,
            class_name=prior.class_name,
            school_name=prior.school_name,
            signers=paper_signers(prior),
            source=_SOURCES.get(prior.source, Source.PAPER),
        )
    for live in earlier:
        record = signing.approved(live)
        school_class = classes.get(record.school_class_id) or live.school_class
        archived = signing.archived.get(live.pk)
        years[live.school_year.name] = section(
            record_content(record, school_class.grade),
            school_year=live.school_year.name,
            class_name=school_class.name,
            school_name=school_class.school.name,
            signers=signing.signers(live.pk, teacher=_teacher_name(school_class), current=False),
            source=Source.RECORD,
            record_id=live.pk,
            verification_code=archived.verification_code if archived else "",
        )
    current_class = classes.get(page.school_class_id) or page.school_class
    years[school_year.name] = section(
        record_content(page, current_class.grade),
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
