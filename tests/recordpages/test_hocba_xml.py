"""The học bạ's data file (issue 16): the XML holds every field of the Book and reads
back to the same Book, its schema accepts real books and refuses wrong codes, and the
JSON carries the same keys."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from recordpages import programme
from recordpages.hocba import jsondata, xml
from recordpages.hocba.book import Book, SignedBy, Source
from recordpages.models import CompetenceLevel, Promotion, Sex, SubjectLevel, YearEndResult
from tests.recordpages.hocba_books import SCHOOL, grade1_book, grade5_book

XS = "{http://www.w3.org/2001/XMLSchema}"
NS = {"hb": xml.NAMESPACE}
DOC = Path(__file__).resolve().parents[2] / "docs" / "forms" / "hoc-ba-du-lieu.md"
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]")

BOOKS = {"lop_1": grade1_book, "lop_5": grade5_book}


def _with_current(book: Book, **changes) -> Book:
    """The book with its last (current) year changed."""
    return replace(book, years=(*book.years[:-1], replace(book.years[-1], **changes)))


def _first_subject(book: Book, **changes) -> Book:
    year = book.years[-1]
    return _with_current(book, subjects=(replace(year.subjects[0], **changes), *year.subjects[1:]))


def _first_quality(book: Book, **changes) -> Book:
    year = book.years[-1]
    return _with_current(
        book, qualities=(replace(year.qualities[0], **changes), *year.qualities[1:])
    )


# --- the XML says what the Book says ------------------------------------------------


@pytest.mark.parametrize("make", BOOKS.values(), ids=BOOKS.keys())
def test_every_field_of_the_book_round_trips_through_the_xml(make):
    book = make()

    assert xml.from_xml(xml.to_xml(book)) == book


def test_xml_read_with_lxml_holds_the_books_values_in_the_tt27_order():
    book = grade5_book()
    root = etree.fromstring(xml.to_xml(book))
    year = book.years[-1]

    assert [etree.QName(e).localname for e in root] == [
        "Truong",
        "HocSinh",
        "QuaTrinhHocTap",
        "DanhGiaCacNamHoc",
    ]
    assert root.findtext("hb:HocSinh/hb:MaHocSinh", namespaces=NS) == "0312345678"
    assert root.findtext("hb:HocSinh/hb:NgaySinh", namespaces=NS) == "2016-03-09"
    assert root.find("hb:HocSinh/hb:GioiTinh", NS).attrib == {"Ma": "nu", "Ten": "Nữ"}
    assert len(root.findall("hb:QuaTrinhHocTap/hb:NamHoc", NS)) == 5
    sections = root.findall("hb:DanhGiaCacNamHoc/hb:DanhGiaNamHoc", NS)
    assert [s.get("NamHoc") for s in sections] == [y.school_year for y in book.years]
    assert [s.get("Nguon") for s in sections] == [Source.PAPER] * 2 + [Source.RECORD] * 3
    last = sections[-1]
    toan = last.find("hb:MonHocVaHoatDongGiaoDuc/hb:MonHoc[@Ma='toan']", NS)
    assert toan.find("hb:MucDat", NS).get("Ma") == "H"
    assert toan.findtext("hb:DiemKTDK", namespaces=NS) == str(year.subjects[1].score)
    nhan_ai = last.find("hb:PhamChatChuYeu/hb:PhamChat[@Ma='nhan_ai']", NS)
    assert nhan_ai.find("hb:MucDat", NS).attrib == {"Ma": "Đ", "Ten": "Đạt"}
    assert last.find("hb:KetQuaGiaoDuc", NS).get("Ma") == "HTT"
    assert last.find("hb:HoanThanhChuongTrinh", NS).get("Ma") == "ht_tieu_hoc"
    assert [s.findtext("hb:HoTen", namespaces=NS) for s in last.findall("hb:ChuKy", NS)] == [
        "Lê Thị Mai",
        "Phạm Quốc Đạt",
    ]
    assert last.findtext("hb:CanNang", namespaces=NS) == "25.5"


def test_a_subject_without_periodic_tests_has_no_score_element():
    root = etree.fromstring(xml.to_xml(grade1_book()))

    dao_duc = root.find(".//hb:MonHoc[@Ma='dao_duc']", NS)
    assert dao_duc.get("CoKTDK") == "false"
    assert dao_duc.find("hb:DiemKTDK", NS) is None


def test_the_same_book_gives_the_same_bytes():
    assert xml.to_xml(grade5_book()) == xml.to_xml(grade5_book())
    assert jsondata.to_json(grade5_book()) == jsondata.to_json(grade5_book())


def test_text_is_written_nfc_and_utf8():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    book = replace(grade1_book(), pupil=replace(grade1_book().pupil, full_name=decomposed))

    data = xml.to_xml(book)

    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Nguyễn Thị Ánh Tuyết".encode() in data
    assert decomposed.encode() not in data


def test_a_control_character_pasted_into_a_comment_is_dropped_not_fatal():
    book = _with_current(grade1_book(), teacher_comment="Em ngoan\x0b, lễ phép\x00.")

    data = xml.to_xml(book)

    assert xml.validate(data) == []
    assert xml.from_xml(data).years[-1].teacher_comment == "Em ngoan, lễ phép."


def test_unknown_values_are_left_out_and_read_back_as_unknown():
    book = _first_subject(
        _with_current(grade1_book(), height_cm=None, weight_kg=None, year_end_result=""),
        level="",
        level_label="",
        score=None,
    )
    book = replace(book, pupil=replace(book.pupil, ministry_id="", entry_date=None))

    data = xml.to_xml(book)

    assert xml.validate(data) == []
    assert b"<ChieuCao>" not in data and b"<KetQuaGiaoDuc" not in data
    assert xml.from_xml(data) == replace(
        book, years=(replace(book.years[0], year_end_result_label=""),)
    )


# --- the schema ------------------------------------------------------------------


@pytest.mark.parametrize("make", BOOKS.values(), ids=BOOKS.keys())
def test_schema_accepts_a_grade_1_and_a_grade_5_book(make):
    assert xml.validate(xml.to_xml(make())) == []


WRONG = {
    "D_instead_of_Đ": (lambda b: _first_quality(b, level="D"), "MucDat"),
    "subject_level_Đ": (lambda b: _first_subject(b, level="Đ"), "MucDat"),
    "score_11": (lambda b: _first_subject(b, score=11), "DiemKTDK"),
    "score_0": (lambda b: _first_subject(b, score=0), "DiemKTDK"),
    "ministry_id_of_11_digits": (
        lambda b: replace(b, pupil=replace(b.pupil, ministry_id="03123456789")),
        "MaHocSinh",
    ),
    "ministry_id_with_letters": (
        lambda b: replace(b, pupil=replace(b.pupil, ministry_id="03123456AB")),
        "MaHocSinh",
    ),
    "unknown_subject_code": (lambda b: _first_subject(b, code="tieng_anh"), "MonHoc"),
    "result_code_in_lower_case": (
        lambda b: _with_current(b, year_end_result="htt"),
        "KetQuaGiaoDuc",
    ),
    "promotion_label_as_code": (
        lambda b: _with_current(b, promotion="Được lên lớp"),
        "HoanThanhChuongTrinh",
    ),
    "school_year_with_a_slash": (
        lambda b: _with_current(b, school_year="2026/2027"),
        "DanhGiaNamHoc",
    ),
    "sex_in_english": (lambda b: replace(b, pupil=replace(b.pupil, sex="female")), "GioiTinh"),
    "grade_6": (lambda b: _with_current(b, grade=6), "Khoi"),
    "unknown_source": (lambda b: _with_current(b, source="excel"), "DanhGiaNamHoc"),
}


@pytest.mark.parametrize("change,element", WRONG.values(), ids=WRONG.keys())
def test_schema_refuses_a_wrong_code_and_names_the_element(change, element):
    problems = xml.validate(xml.to_xml(change(grade5_book())))

    assert problems, "the schema accepted a wrong value"
    assert {p.element for p in problems} == {element}
    assert {p.pupil for p in problems} == {"Nguyễn Thị Ánh Tuyết"}


def _schema_tree() -> etree._ElementTree:
    return etree.parse(str(xml.SCHEMA_PATH))


def test_every_element_and_attribute_of_the_schema_is_documented_in_vietnamese():
    undocumented = [
        node.get("name")
        for node in _schema_tree().iter(f"{XS}element", f"{XS}attribute")
        if not VIETNAMESE.search(
            node.findtext(f"{XS}annotation/{XS}documentation", default="").lower()
        )
    ]

    assert undocumented == []


def _enumeration(type_name: str) -> set[str]:
    tree = _schema_tree()
    found = tree.find(f"{XS}simpleType[@name='{type_name}']")
    if found is None:  # an anonymous type on an attribute of a complex type
        found = tree.find(f"{XS}complexType[@name='{type_name}']")
    return {e.get("value") for e in found.iter(f"{XS}enumeration")}


def test_schema_code_lists_are_the_programmes_and_the_models():
    assert _enumeration("MaMonHocType") == {s.code for s in programme.SUBJECTS}
    assert _enumeration("MaPhamChatType") == {c for c, _ in programme.QUALITIES}
    assert _enumeration("MaNangLucChungType") == {c for c, _ in programme.GENERAL_COMPETENCES}
    assert _enumeration("MaNangLucDacThuType") == {c for c, _ in programme.SPECIFIC_COMPETENCES}
    assert _enumeration("MucDatMonHocType") == set(SubjectLevel.values)
    assert _enumeration("MucDatNangLucType") == set(CompetenceLevel.values)
    assert _enumeration("MaKetQuaType") == set(YearEndResult.values)
    assert _enumeration("MaHoanThanhType") == set(Promotion.values)
    assert _enumeration("GioiTinhType") == set(Sex.values)
    sources = {v for k, v in vars(Source).items() if k.isupper()}
    assert _enumeration("NguonType") == sources
    signed_by = {v for k, v in vars(SignedBy).items() if k.isupper()}
    assert _enumeration("HinhThucKyType") == signed_by


def test_the_field_by_field_document_lists_every_element_and_attribute_of_the_schema():
    names = {node.get("name") for node in _schema_tree().iter(f"{XS}element", f"{XS}attribute")}
    rows = DOC.read_text(encoding="utf-8")

    missing = sorted(name for name in names if f"`{name}`" not in rows)

    assert missing == []


# --- a class's list --------------------------------------------------------------


def test_a_class_list_holds_one_hocba_per_book_and_validates():
    books = [
        grade5_book(),
        replace(grade5_book(), pupil=replace(grade5_book().pupil, full_name="Vũ Minh Khôi")),
    ]

    data = xml.to_xml_many(books, school=SCHOOL, school_year="2026-2027")

    assert xml.validate(data) == []
    root = etree.fromstring(data)
    assert root.get("SoLuong") == "2"
    assert [b.pupil.full_name for b in xml.books_from_xml(data)] == [
        "Nguyễn Thị Ánh Tuyết",
        "Vũ Minh Khôi",
    ]


def test_an_empty_class_list_is_still_a_valid_file():
    data = xml.to_xml_many([], school=SCHOOL, school_year="2026-2027")

    assert xml.validate(data) == []
    assert etree.fromstring(data).get("SoLuong") == "0"


# --- JSON ------------------------------------------------------------------------


def _xml_names(element: etree._Element) -> set[str]:
    names = {etree.QName(element).localname, *element.attrib}
    for child in element:
        names |= _xml_names(child)
    return names


def _json_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _json_keys(v)}
    return set()


def test_json_carries_the_same_keys_as_the_xml_with_typed_values():
    book = grade5_book()

    document = json.loads(jsondata.to_json(book))

    assert _json_keys(document) == _xml_names(etree.fromstring(xml.to_xml(book)))
    years = document["HocBa"]["DanhGiaCacNamHoc"]["DanhGiaNamHoc"]
    assert len(years) == 5
    toan = years[-1]["MonHocVaHoatDongGiaoDuc"]["MonHoc"][1]
    assert toan["Ma"] == "toan" and toan["DiemKTDK"] == book.years[-1].subjects[1].score
    assert toan["CoKTDK"] is True
    assert years[-1]["PhamChatChuYeu"]["PhamChat"][1]["MucDat"] == {"Ma": "Đ", "Ten": "Đạt"}
    assert years[-1]["CanNang"] == 25.5
    assert document["HocBa"]["HocSinh"]["NgaySinh"] == "2016-03-09"
    assert document["HocBa"]["HocSinh"]["MaHocSinh"] == "0312345678"


def test_json_of_a_class_lists_its_books():
    document = json.loads(
        jsondata.to_json_many([grade1_book()], school=SCHOOL, school_year="2026-2027")
    )

    assert document["DanhSachHocBa"]["SoLuong"] == 1
    assert len(document["DanhSachHocBa"]["HocBa"]) == 1
