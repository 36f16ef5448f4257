"""The học bạ's data file at its edges (issue 16): what a reader of a problem sees
(line, element, whose book), files written by other tools (prefixes, "1" for true),
files that are not XML or not a học bạ."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from recordpages.hocba import xml
from tests.recordpages.hocba_books import SCHOOL, grade1_book, grade5_book
from tests.recordpages.test_hocba_xml import _first_subject

PUPIL_NAME = "Nguyễn Thị Ánh Tuyết"


def _class_list() -> bytes:
    return xml.to_xml_many([grade5_book()], school=SCHOOL, school_year="2026-2027")


# --- where a problem is ------------------------------------------------------------


def test_a_problem_gives_the_line_of_the_faulty_element_one_element_a_line():
    data = xml.to_xml(_first_subject(grade5_book(), score=11))

    [problem] = xml.validate(data)

    line = data.decode().splitlines()[problem.line - 1]
    assert line.strip() == "<DiemKTDK>11</DiemKTDK>"
    assert (problem.element, problem.pupil) == ("DiemKTDK", PUPIL_NAME)


@pytest.mark.parametrize("make", [lambda b: xml.to_xml(b), lambda b: _list_of(b)])
def test_a_problem_on_the_hocba_element_itself_names_its_pupil(make):
    data = make(replace(grade5_book(), current_year="2026/2027"))

    [problem] = xml.validate(data)

    assert (problem.element, problem.pupil) == ("HocBa", PUPIL_NAME)
    assert "NamHocHienTai" in problem.message


def _list_of(book) -> bytes:
    return xml.to_xml_many([book], school=SCHOOL, school_year="2026-2027")


@pytest.mark.parametrize("misnamed", ["HOCBA", "Hocba"])  # sorting before and after HocBa
def test_a_misnamed_book_element_is_reported_by_its_name_without_a_pupil(misnamed):
    """The pupil is read only from a HocBa element: what the schema does not know as
    a học bạ is not trusted to say whose it is."""
    data = _class_list()
    data = data.replace(b"<HocBa ", f"<{misnamed} ".encode())
    data = data.replace(b"</HocBa>", f"</{misnamed}>".encode())

    [problem] = xml.validate(data)

    assert (problem.element, problem.pupil) == (misnamed, "")
    assert "not expected" in problem.message


def test_a_file_with_a_namespace_prefix_is_checked_not_crashed_on():
    """Another tool may write hb:HocBa instead of a default namespace; libxml2 then
    names the faulty element with the prefix (/hb:HocBa/hb:Truong)."""
    root = etree.fromstring(xml.to_xml(_first_subject(grade5_book(), score=11)))
    prefixed = etree.Element(f"{{{xml.NAMESPACE}}}HocBa", nsmap={"hb": xml.NAMESPACE})
    prefixed.attrib.update(root.attrib)
    prefixed.extend(root)
    data = etree.tostring(prefixed, pretty_print=True)
    assert b"<hb:DiemKTDK>" in data

    [problem] = xml.validate(data)

    assert (problem.element, problem.pupil) == ("DiemKTDK", PUPIL_NAME)


def test_a_problem_whose_element_cannot_be_found_still_gives_line_and_message():
    """The prefix hb bound to two namespaces: the path libxml2 gives leads nowhere."""
    other = "urn:khac"
    data = (
        f'<hb:HocBa xmlns:hb="{xml.NAMESPACE}" PhienBan="1.0" NamHocHienTai="2026-2027">\n'
        f'<hb:Truong xmlns:hb="{other}"/>\n</hb:HocBa>'
    ).encode()

    problems = xml.validate(data)

    assert problems and all(p.line in (1, 2) and p.message for p in problems)
    assert "" in {p.element for p in problems}


def test_a_file_that_is_not_xml_is_one_problem_with_its_line_not_an_exception():
    problems = xml.validate(b"<?xml version='1.0'?>\n\n<HocBa><Truong></HocBa>")

    assert [(p.line, p.element, p.pupil) for p in problems] == [(3, "", "")]
    assert "mismatch" in problems[0].message


def test_the_schema_is_compiled_once_not_for_every_file():
    assert xml.schema() is xml.schema()


# --- reading files back ------------------------------------------------------------


def test_a_single_hocba_file_reads_as_a_list_of_one_book():
    book = grade1_book()

    assert xml.books_from_xml(xml.to_xml(book)) == [book]


def test_a_file_of_another_kind_holds_no_hocba():
    assert xml.books_from_xml(f'<SoDangBo xmlns="{xml.NAMESPACE}"/>'.encode()) == []


@pytest.mark.parametrize("written,tested", [("1", True), ("0", False), ("true", True)])
def test_periodic_tests_written_as_1_or_0_read_as_xs_boolean(written, tested):
    """xs:boolean allows 1 and 0; another tool may write them."""
    root = etree.fromstring(xml.to_xml(_first_subject(grade5_book(), score=None)))
    subject = root.findall(".//{*}DanhGiaNamHoc")[-1].find(".//{*}MonHoc")
    subject.set("CoKTDK", written)
    data = etree.tostring(root)

    assert xml.validate(data) == []
    assert xml.from_xml(data).years[-1].subjects[0].tested is tested


def test_absences_of_zero_and_more_days_read_back_as_written():
    years = xml.from_xml(xml.to_xml(grade5_book())).years

    assert [(y.days_absent_excused, y.days_absent_unexcused) for y in years] == [
        (0, 1),
        (1, 0),
        (2, 1),
        (3, 0),
        (4, 1),
    ]
