"""A pupil's học bạ as data: the Thông tư 27/2020 form (Phụ lục 1) section by section.

One Book is assembled per pupil and school year (archive.forms.hocba.book_for) from the
records of this product, the archive and the years imported from before (PriorYearResult).
The PDF template, the XML data file and the JSON all read the same Book, so what the
signed PDF shows and what its embedded data file says are one thing.

Codes, not labels, are the data: levels are the form's letters (subjects T/H/C;
qualities and competences T/Đ/C, Đ never D), results and promotions the codes of
recordpages.models (HTXS/HTT/HT/CHT; len_lop/ht_lop/ht_tieu_hoc/o_lai); each carries
its Vietnamese label beside it for the printed form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


class Source:
    """Where a year of the book comes from."""

    RECORD = "he_thong"  # the học bạ record of this product (this year, or archived)
    PAPER = "hoc_ba_giay"  # a paper học bạ typed in (PriorYearSource)
    SECTOR_DATABASE = "csdl_nganh"  # imported from the sector database
    OTHER_SCHOOL = "truong_cu"  # the school the pupil came from


class SignedBy:
    """How a signature block of a year is filled."""

    DIGITAL = "chu_ky_so"  # a visible digital signature lands in the block (this file)
    ARCHIVED = "ban_luu_tru"  # signed digitally in an earlier archived file
    PAPER = "ky_tren_giay"  # signed on the paper học bạ (imported year)
    NOT_YET = "chua_ky"


@dataclass(frozen=True)
class SchoolIdentity:
    """The school and the authority in force for the book's (current) school year."""

    name: str
    ministry_code: str
    commune: str
    district: str  # blank from 2025-2026 (no district level since 1 July 2025)
    province: str
    issuing_body: str  # the header's first line, e.g. "UBND PHƯỜNG DƯƠNG KINH"
    authority_name: str
    professional_body: str  # e.g. "Sở Giáo dục và Đào tạo Hải Phòng"; may be blank


@dataclass(frozen=True)
class PupilIdentity:
    ministry_id: str  # 10 digits with leading zeros, or "" (not yet issued)
    full_name: str
    sex: str  # "nam" | "nu"
    sex_label: str
    date_of_birth: dt.date
    ethnicity: str
    nationality: str
    place_of_birth: str
    hometown: str
    address: str
    father_name: str
    father_occupation: str
    mother_name: str
    mother_occupation: str
    guardian_name: str
    register_number: str
    entry_date: dt.date | None
    photo_uri: str  # the grade-1 portrait as a data: URI (archive.forms.photos), or ""


@dataclass(frozen=True)
class StudyRow:
    """One row of "Quá trình học tập": Năm học | Lớp | Tên trường | Số đăng bộ |
    Ngày nhập học / chuyển đến."""

    school_year: str
    class_name: str
    school_name: str
    register_number: str
    entered_on: dt.date | None


@dataclass(frozen=True)
class SubjectLine:
    code: str  # recordpages.programme subject code
    name: str
    level: str  # T | H | C | ""
    level_label: str
    tested: bool  # the subject has periodic tests at this grade (Điểm KTĐK)
    score: int | None  # end-of-year test score, 1–10
    comment: str


@dataclass(frozen=True)
class CompetenceLine:
    code: str  # recordpages.programme competence code
    name: str
    kind: str  # "pham_chat" | "nang_luc_chung" | "nang_luc_dac_thu"
    level: str  # T | Đ | C | ""
    level_label: str
    comment: str


@dataclass(frozen=True)
class Signer:
    role: str  # "giao_vien_chu_nhiem" | "hieu_truong"
    title: str  # "Giáo viên chủ nhiệm" | "Hiệu trưởng"
    name: str
    signed_on: dt.date | None
    signed_by: str  # SignedBy.*


@dataclass(frozen=True)
class YearSection:
    """One school year's pages of the book."""

    school_year: str
    grade: int
    class_name: str
    school_name: str
    height_cm: int | None
    weight_kg: Decimal | None
    days_absent_excused: int
    days_absent_unexcused: int
    subjects: tuple[SubjectLine, ...]
    qualities: tuple[CompetenceLine, ...]
    general_competences: tuple[CompetenceLine, ...]
    specific_competences: tuple[CompetenceLine, ...]
    year_end_result: str  # HTXS | HTT | HT | CHT | ""
    year_end_result_label: str
    commendation: str
    promotion: str  # len_lop | ht_lop | ht_tieu_hoc | o_lai | ""
    promotion_label: str
    teacher_comment: str
    signers: tuple[Signer, ...]  # homeroom teacher, then principal
    source: str  # Source.*
    record_id: int | None  # the học bạ record's page id, when the year is in the product
    verification_code: str  # of the archived signed file of that year, or ""


@dataclass(frozen=True)
class Book:
    """The whole học bạ of one pupil as of one school year: the years oldest first,
    the current (signed in this file) year last."""

    school: SchoolIdentity
    pupil: PupilIdentity
    history: tuple[StudyRow, ...]
    years: tuple[YearSection, ...]
    current_year: str
    record_id: int | None  # the current year's học bạ record

    @property
    def current(self) -> YearSection | None:
        return next((y for y in self.years if y.school_year == self.current_year), None)
