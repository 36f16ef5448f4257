"""The học bạ's data file: a Book as XML (schema/hoc-ba-1.0.xsd), and back.

The element tree is built once (`book_tree`) and written out twice: as XML here and as
JSON in jsondata.py, so the two carry the same structure and keys. Element names are
Vietnamese without diacritics in the sector database's style (MaHocSinh, HoTen, …) and
follow the Thông tư 27/2020 form section by section. A coded value (a level, a result,
the sex) is an empty element with `Ma` (the code, checked by the schema) and `Ten` (the
label printed on the form), so a reader needs no table to show it.

Output is deterministic: the same Book gives the same bytes (fixed order, no
timestamps), text is NFC, dates are ISO (xs:date). Fields that are unknown are left
out rather than written empty, so the schema can hold every written value to its
type; free text (names, comments) is always written, possibly empty.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from lxml import etree

from recordpages.hocba.book import (
    Book,
    CompetenceLine,
    PupilIdentity,
    SchoolIdentity,
    Signer,
    StudyRow,
    SubjectLine,
    YearSection,
)

NAMESPACE = "urn:hoso-chuyenmon:hoc-ba:1.0"
VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "hoc-ba-1.0.xsd"
FILE_NAME = "hoc-ba.xml"
MIME_TYPE = "application/xml"

# Elements that repeat: a list in JSON even when one is present.
LIST_ELEMENTS = frozenset(
    {"HocBa", "NamHoc", "DanhGiaNamHoc", "MonHoc", "PhamChat", "NangLucChung", "NangLucDacThu"}
    | {"ChuKy"}
)

# Characters XML 1.0 cannot carry (a pasted vertical tab, a NUL from an old file):
# dropped, otherwise one stray byte in a comment would make the whole export fail.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Scalar = str | int | bool | Decimal | dt.date


@dataclass
class Node:
    """One element: attributes and either a value or children (never both)."""

    name: str
    attrs: dict[str, Scalar] = field(default_factory=dict)
    value: Scalar | None = None
    children: list[Node] = field(default_factory=list)

    def add(self, name: str, value: Scalar | None = None, **attrs: Scalar | None) -> Node:
        child = Node(name, {k: v for k, v in attrs.items() if v is not None}, value)
        self.children.append(child)
        return child

    def add_if(self, name: str, value: Scalar | None) -> None:
        """An optional value: left out when unknown (None or an empty code)."""
        if value is not None and value != "":
            self.add(name, value)

    def add_code(self, name: str, code: str, label: str) -> None:
        if code:
            self.add(name, Ma=code, Ten=label)


def text(value: Scalar) -> str:
    """The lexical form of a value, as the schema types it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return _NOT_XML.sub("", unicodedata.normalize("NFC", value))
    return str(value)


# --- Book → tree -------------------------------------------------------------------


def book_tree(book: Book) -> Node:
    root = Node("HocBa", {"PhienBan": VERSION, "NamHocHienTai": book.current_year})
    if book.record_id is not None:
        root.attrs["MaBanGhi"] = book.record_id
    root.children.append(_school(book.school))
    root.children.append(_pupil(book.pupil))
    history = root.add("QuaTrinhHocTap")
    history.children.extend(_study_row(row) for row in book.history)
    years = root.add("DanhGiaCacNamHoc")
    years.children.extend(_year(year) for year in book.years)
    return root


def many_tree(books: Iterable[Book], *, school: SchoolIdentity, school_year: str) -> Node:
    books = list(books)
    root = Node(
        "DanhSachHocBa",
        {"PhienBan": VERSION, "NamHoc": school_year, "SoLuong": len(books)},
    )
    root.children.append(_school(school))
    root.children.extend(book_tree(book) for book in books)
    return root


def _school(school: SchoolIdentity) -> Node:
    node = Node("Truong")
    node.add("MaTruong", school.ministry_code)
    node.add("TenTruong", school.name)
    node.add("XaPhuong", school.commune)
    node.add_if("QuanHuyen", school.district)
    node.add("TinhThanhPho", school.province)
    node.add("CoQuanChuQuan", school.issuing_body)
    node.add("CoQuanQuanLy", school.authority_name)
    node.add_if("CoQuanChuyenMon", school.professional_body)
    return node


def _pupil(pupil: PupilIdentity) -> Node:
    node = Node("HocSinh")
    node.add("MaHocSinh", pupil.ministry_id)
    node.add("HoTen", pupil.full_name)
    node.add_code("GioiTinh", pupil.sex, pupil.sex_label)
    node.add("NgaySinh", pupil.date_of_birth)
    node.add("DanToc", pupil.ethnicity)
    node.add("QuocTich", pupil.nationality)
    node.add("NoiSinh", pupil.place_of_birth)
    node.add("QueQuan", pupil.hometown)
    node.add("NoiOHienNay", pupil.address)
    node.add("HoTenCha", pupil.father_name)
    node.add("NgheNghiepCha", pupil.father_occupation)
    node.add("HoTenMe", pupil.mother_name)
    node.add("NgheNghiepMe", pupil.mother_occupation)
    node.add("HoTenNguoiGiamHo", pupil.guardian_name)
    node.add("SoDangBo", pupil.register_number)
    node.add_if("NgayNhapHoc", pupil.entry_date)
    return node


def _study_row(row: StudyRow) -> Node:
    node = Node("NamHoc", {"Ma": row.school_year})
    node.add("Lop", row.class_name)
    node.add("TenTruong", row.school_name)
    node.add("SoDangBo", row.register_number)
    node.add_if("NgayNhapHoc", row.entered_on)
    return node


def _year(year: YearSection) -> Node:
    node = Node("DanhGiaNamHoc", {"NamHoc": year.school_year, "Nguon": year.source})
    if year.record_id is not None:
        node.attrs["MaBanGhi"] = year.record_id
    node.add("Khoi", year.grade)
    node.add("Lop", year.class_name)
    node.add("TenTruong", year.school_name)
    node.add_if("ChieuCao", year.height_cm)
    node.add_if("CanNang", year.weight_kg)
    node.add("SoNgayNghiCoPhep", year.days_absent_excused)
    node.add("SoNgayNghiKhongPhep", year.days_absent_unexcused)
    subjects = node.add("MonHocVaHoatDongGiaoDuc")
    subjects.children.extend(_subject(line) for line in year.subjects)
    qualities = node.add("PhamChatChuYeu")
    qualities.children.extend(_competence("PhamChat", line) for line in year.qualities)
    competences = node.add("NangLucCotLoi")
    competences.children.extend(
        _competence("NangLucChung", line) for line in year.general_competences
    )
    competences.children.extend(
        _competence("NangLucDacThu", line) for line in year.specific_competences
    )
    node.add_code("KetQuaGiaoDuc", year.year_end_result, year.year_end_result_label)
    node.add("KhenThuong", year.commendation)
    node.add_code("HoanThanhChuongTrinh", year.promotion, year.promotion_label)
    node.add("NhanXetGiaoVien", year.teacher_comment)
    node.children.extend(_signer(signer) for signer in year.signers)
    node.add_if("MaXacThuc", year.verification_code)
    return node


def _subject(line: SubjectLine) -> Node:
    node = Node("MonHoc", {"Ma": line.code, "Ten": line.name, "CoKTDK": line.tested})
    node.add_code("MucDat", line.level, line.level_label)
    node.add_if("DiemKTDK", line.score)
    node.add("NhanXet", line.comment)
    return node


def _competence(name: str, line: CompetenceLine) -> Node:
    node = Node(name, {"Ma": line.code, "Ten": line.name})
    node.add_code("MucDat", line.level, line.level_label)
    node.add("NhanXet", line.comment)
    return node


def _signer(signer: Signer) -> Node:
    node = Node("ChuKy", {"VaiTro": signer.role})
    node.add("ChucDanh", signer.title)
    node.add("HoTen", signer.name)
    node.add_if("NgayKy", signer.signed_on)
    node.add("HinhThucKy", signer.signed_by)
    return node


# --- tree → XML --------------------------------------------------------------------


def _element(node: Node) -> etree._Element:
    element = etree.Element(f"{{{NAMESPACE}}}{node.name}", nsmap={None: NAMESPACE})
    _fill(element, node)
    return element


def _fill(element: etree._Element, node: Node) -> None:
    for key, value in node.attrs.items():
        element.set(key, text(value))
    if node.value is not None:
        element.text = text(node.value)
    for child in node.children:
        _fill(etree.SubElement(element, f"{{{NAMESPACE}}}{child.name}"), child)


def _serialise(node: Node) -> bytes:
    return etree.tostring(_element(node), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def to_xml(book: Book) -> bytes:
    """One pupil's học bạ (root HocBa), as embedded in the signed PDF."""
    return _serialise(book_tree(book))


def to_xml_many(books: Iterable[Book], *, school: SchoolIdentity, school_year: str) -> bytes:
    """A class's or a school's học bạ in one file (root DanhSachHocBa)."""
    return _serialise(many_tree(books, school=school, school_year=school_year))


# --- validation --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One schema error: where (line, element, whose học bạ) and libxml2's message."""

    line: int
    element: str
    pupil: str
    message: str


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate(data: bytes) -> list[Problem]:
    """The schema's complaints about a document; [] when it is valid."""
    try:
        document = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        return [Problem(exc.lineno or 0, "", "", str(exc))]
    xsd = schema()
    if xsd.validate(document):
        return []
    return [_problem(document, error) for error in xsd.error_log]


def _problem(document: etree._Element, error: etree._LogEntry) -> Problem:
    """libxml2 gives an XPath like /*/*[3]/*[2]; the element it names tells the
    element's name and, through its HocBa ancestor, whose book it is."""
    found = _at(document, error.path)
    element = found[0] if found and isinstance(found[0], etree._Element) else None
    if element is None:
        return Problem(error.line, "", "", error.message)
    book = next((e for e in element.iterancestors(_q("HocBa"))), None)
    if book is None and _name(element) == "HocBa":
        book = element
    pupil = book.findtext(f"{_q('HocSinh')}/{_q('HoTen')}", default="") if book is not None else ""
    return Problem(error.line, _name(element), pupil, error.message)


def _at(document: etree._Element, path: str) -> list:
    """What libxml2's path names. A file written with a prefix (hb:HocBa) gets paths
    like /hb:HocBa/hb:Truong, so the prefixes the file declares are given to XPath
    (the first binding of a prefix bound twice: such a path may then name nothing)."""
    if not path:
        return []
    prefixes: dict[str, str] = {}
    for node in document.iter():
        for prefix, uri in node.nsmap.items():
            if prefix:
                prefixes.setdefault(prefix, uri)
    return document.xpath(path, namespaces=prefixes)


# --- XML → Book (reading a file back: round trips, imports) ------------------------


def from_xml(data: bytes) -> Book:
    """The Book a HocBa document holds. The portrait path is local to the machine that
    made the file and is not carried, so it comes back empty."""
    return _book(etree.fromstring(data))


def books_from_xml(data: bytes) -> list[Book]:
    root = etree.fromstring(data)
    if _name(root) == "HocBa":
        return [_book(root)]
    return [_book(e) for e in root.iterfind(_q("HocBa"))]


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _s(parent: etree._Element, name: str) -> str:
    child = parent.find(_q(name))
    return (child.text or "") if child is not None else ""


def _date(parent: etree._Element, name: str) -> dt.date | None:
    value = _s(parent, name)
    return dt.date.fromisoformat(value) if value else None


def _int(parent: etree._Element, name: str) -> int | None:
    value = _s(parent, name)
    return int(value) if value else None


def _code(parent: etree._Element, name: str) -> tuple[str, str]:
    child = parent.find(_q(name))
    return ("", "") if child is None else (child.get("Ma", ""), child.get("Ten", ""))


def _all(parent: etree._Element, path: str) -> Iterator[etree._Element]:
    return parent.iterfind("/".join(_q(part) for part in path.split("/")))


def _book(root: etree._Element) -> Book:
    record = root.get("MaBanGhi")
    return Book(
        school=_read_school(root.find(_q("Truong"))),
        pupil=_read_pupil(root.find(_q("HocSinh"))),
        history=tuple(_read_row(e) for e in _all(root, "QuaTrinhHocTap/NamHoc")),
        years=tuple(_read_year(e) for e in _all(root, "DanhGiaCacNamHoc/DanhGiaNamHoc")),
        current_year=root.get("NamHocHienTai", ""),
        record_id=int(record) if record else None,
    )


def _read_school(e: etree._Element) -> SchoolIdentity:
    return SchoolIdentity(
        name=_s(e, "TenTruong"),
        ministry_code=_s(e, "MaTruong"),
        commune=_s(e, "XaPhuong"),
        district=_s(e, "QuanHuyen"),
        province=_s(e, "TinhThanhPho"),
        issuing_body=_s(e, "CoQuanChuQuan"),
        authority_name=_s(e, "CoQuanQuanLy"),
        professional_body=_s(e, "CoQuanChuyenMon"),
    )


def _read_pupil(e: etree._Element) -> PupilIdentity:
    sex, sex_label = _code(e, "GioiTinh")
    return PupilIdentity(
        ministry_id=_s(e, "MaHocSinh"),
        full_name=_s(e, "HoTen"),
        sex=sex,
        sex_label=sex_label,
        date_of_birth=_date(e, "NgaySinh"),
        ethnicity=_s(e, "DanToc"),
        nationality=_s(e, "QuocTich"),
        place_of_birth=_s(e, "NoiSinh"),
        hometown=_s(e, "QueQuan"),
        address=_s(e, "NoiOHienNay"),
        father_name=_s(e, "HoTenCha"),
        father_occupation=_s(e, "NgheNghiepCha"),
        mother_name=_s(e, "HoTenMe"),
        mother_occupation=_s(e, "NgheNghiepMe"),
        guardian_name=_s(e, "HoTenNguoiGiamHo"),
        register_number=_s(e, "SoDangBo"),
        entry_date=_date(e, "NgayNhapHoc"),
        photo_uri="",
    )


def _read_row(e: etree._Element) -> StudyRow:
    return StudyRow(
        school_year=e.get("Ma", ""),
        class_name=_s(e, "Lop"),
        school_name=_s(e, "TenTruong"),
        register_number=_s(e, "SoDangBo"),
        entered_on=_date(e, "NgayNhapHoc"),
    )


def _read_year(e: etree._Element) -> YearSection:
    result, result_label = _code(e, "KetQuaGiaoDuc")
    promotion, promotion_label = _code(e, "HoanThanhChuongTrinh")
    weight = _s(e, "CanNang")
    record = e.get("MaBanGhi")
    return YearSection(
        school_year=e.get("NamHoc", ""),
        grade=_int(e, "Khoi") or 0,
        class_name=_s(e, "Lop"),
        school_name=_s(e, "TenTruong"),
        height_cm=_int(e, "ChieuCao"),
        weight_kg=Decimal(weight) if weight else None,
        days_absent_excused=_int(e, "SoNgayNghiCoPhep") or 0,
        days_absent_unexcused=_int(e, "SoNgayNghiKhongPhep") or 0,
        subjects=tuple(_read_subject(s) for s in _all(e, "MonHocVaHoatDongGiaoDuc/MonHoc")),
        qualities=tuple(
            _read_competence(c, "pham_chat") for c in _all(e, "PhamChatChuYeu/PhamChat")
        ),
        general_competences=tuple(
            _read_competence(c, "nang_luc_chung") for c in _all(e, "NangLucCotLoi/NangLucChung")
        ),
        specific_competences=tuple(
            _read_competence(c, "nang_luc_dac_thu") for c in _all(e, "NangLucCotLoi/NangLucDacThu")
        ),
        year_end_result=result,
        year_end_result_label=result_label,
        commendation=_s(e, "KhenThuong"),
        promotion=promotion,
        promotion_label=promotion_label,
        teacher_comment=_s(e, "NhanXetGiaoVien"),
        signers=tuple(_read_signer(s) for s in e.iterfind(_q("ChuKy"))),
        source=e.get("Nguon", ""),
        record_id=int(record) if record else None,
        verification_code=_s(e, "MaXacThuc"),
    )


def _read_subject(e: etree._Element) -> SubjectLine:
    level, label = _code(e, "MucDat")
    return SubjectLine(
        code=e.get("Ma", ""),
        name=e.get("Ten", ""),
        level=level,
        level_label=label,
        tested=e.get("CoKTDK") in ("true", "1"),  # xs:boolean: true, 1, false, 0
        score=_int(e, "DiemKTDK"),
        comment=_s(e, "NhanXet"),
    )


def _read_competence(e: etree._Element, kind: str) -> CompetenceLine:
    level, label = _code(e, "MucDat")
    return CompetenceLine(
        code=e.get("Ma", ""),
        name=e.get("Ten", ""),
        kind=kind,
        level=level,
        level_label=label,
        comment=_s(e, "NhanXet"),
    )


def _read_signer(e: etree._Element) -> Signer:
    return Signer(
        role=e.get("VaiTro", ""),
        title=_s(e, "ChucDanh"),
        name=_s(e, "HoTen"),
        signed_on=_date(e, "NgayKy"),
        signed_by=_s(e, "HinhThucKy"),
    )
