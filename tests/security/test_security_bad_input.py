"""Bad input (issue 7): script in rich text, oversize and malformed fields, confusable
names, uploads that are not what they claim. Each gets a Vietnamese error or is
neutralised; nothing answers 500; nothing is half-saved."""

from __future__ import annotations

import io
import json
import zipfile
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory, TestCase
from wagtail.documents import get_document_model
from wagtail.test.utils.form_data import nested_form_data, streamfield

from accounts.names import clean_person_name
from accounts.uploads import UploadRefused, inspect_upload
from recordpages.models import OtherRecordPage, Pupil, RoleCode, StaffProfile
from recordpages.services import school_collection
from tests.conftest import minimal_pdf
from tests.factories import (
    OtherRecordFactory,
    SchoolFactory,
    SchoolYearFactory,
    StaffFactory,
    UserFactory,
)

User = get_user_model()
Document = get_document_model()

# --- rich text ---------------------------------------------------------------

EVIL_TEXT = "<script>alert(1)</script> xem <img src=x onerror=alert(2)>"
EVIL_CONTENTSTATE = json.dumps(
    {
        "blocks": [
            {
                "key": "a1",
                "type": "unstyled",
                "text": EVIL_TEXT,
                "depth": 0,
                "inlineStyleRanges": [{"offset": 0, "length": 3, "style": "<b onclick=x>"}],
                "entityRanges": [
                    {"offset": 0, "length": 8, "key": 0},
                    {"offset": 26, "length": 3, "key": 1},
                ],
                "data": {},
            },
            {
                "key": "b2",
                "type": "<script>",
                "text": "x",
                "depth": 0,
                "inlineStyleRanges": [],
                "entityRanges": [],
                "data": {},
            },
        ],
        "entityMap": {
            "0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(1)"}},
            "1": {
                "type": "LINK",
                "mutability": "MUTABLE",
                "data": {"url": '" onmouseover="alert(3)'},
            },
        },
    }
)


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _assert_neutralised(html: str) -> None:
    """No element of the payload survives as markup: only as escaped text."""
    collector = _TagCollector()
    collector.feed(html)
    for tag, attrs in collector.tags:
        assert tag not in ("script", "img", "iframe", "object"), (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript:"), attrs


class RichTextInjectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school = SchoolFactory(code="THHN")
        cls.page = OtherRecordFactory(school=school, year=SchoolYearFactory())
        cls.superuser = User.objects.create_superuser("root.rt", "", "Root@2026-hoso!")

    def _post(self, body_value):
        self.client.force_login(self.superuser)
        data = nested_form_data(
            {
                "title": self.page.title,
                "slug": self.page.slug,
                "category": self.page.category,
                "deadline": self.page.deadline.isoformat(),
                "author": "",
                "attachment": "",
                "body": streamfield(
                    [("section", {"heading": "<script>h()</script>", "body": body_value})]
                ),
            }
        )
        return self.client.post(f"/admin/pages/{self.page.pk}/edit/", data)

    def test_script_and_event_handlers_in_rich_text_are_neutralised_on_output(self):
        response = self._post(EVIL_CONTENTSTATE)
        assert response.status_code in (200, 302), response.status_code
        page = OtherRecordPage.objects.get(pk=self.page.pk).get_latest_revision_as_object()
        request = RequestFactory().get("/")
        request.user = self.superuser
        html = render_to_string(page.get_template(request), page.get_context(request), request)
        assert "alert(1)" in html  # the text is kept, as text
        _assert_neutralised(html)

    def test_raw_html_instead_of_editor_data_does_not_crash(self):
        response = self._post('<p onclick="x()">raw</p><script>alert(1)</script>')
        assert response.status_code in (200, 302)


# --- people forms ------------------------------------------------------------

STAFF_ADD = "/admin/snippets/recordpages/staffprofile/add/"
PUPIL_ADD = "/admin/snippets/recordpages/pupil/add/"


class PeopleFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.own, cls.other = SchoolFactory(code="THHN"), SchoolFactory(code="THAD")
        cls.principal = StaffFactory(
            user=UserFactory(username="hn.hieutruong"), school=cls.own, roles=[RoleCode.PRINCIPAL]
        ).user

    def setUp(self):
        self.client.force_login(self.principal)

    def _pupil(self, **changes):
        data = {
            "school": self.own.pk,
            "ministry_id": "0123456789",
            "register_number": "",
            "full_name": "Nguyễn Văn An",
            "date_of_birth": "05/09/2019",
            "sex": "nam",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "place_of_birth": "",
            "hometown": "",
            "address": "",
            "father_name": "",
            "father_occupation": "",
            "mother_name": "",
            "mother_occupation": "",
            "guardian_name": "",
            "entry_date": "",
            "photo": "",
        }
        data.update(changes)
        return data

    def _assert_refused(self, url, data, field, fragment):
        before = Pupil.objects.count(), StaffProfile.objects.count(), User.objects.count()
        response = self.client.post(url, data)
        assert response.status_code == 200, response.status_code
        errors = " ".join(response.context["form"].errors.get(field, []))
        assert fragment in errors, (field, response.context["form"].errors)
        assert (Pupil.objects.count(), StaffProfile.objects.count(), User.objects.count()) == before

    def test_a_well_formed_pupil_is_saved(self):
        response = self.client.post(PUPIL_ADD, self._pupil())
        assert response.status_code == 302
        assert Pupil.objects.filter(ministry_id="0123456789").exists()

    def test_oversize_and_malformed_pupil_fields_get_vietnamese_errors(self):
        cases = [
            ({"full_name": "A" * 10_000}, "full_name", "tối đa"),
            ({"date_of_birth": "31/02/2019"}, "date_of_birth", "hợp lệ"),
            ({"date_of_birth": "ngày mai"}, "date_of_birth", "hợp lệ"),
            ({"ministry_id": "12ab"}, "ministry_id", "10 chữ số"),
            ({"sex": "khac"}, "sex", "hợp lệ"),
            ({"school": self.other.pk}, "school", "hợp lệ"),
            ({"school": "1 OR 1=1"}, "school", "hợp lệ"),
            ({"full_name": "An\x00"}, "full_name", "rỗng"),
            ({"full_name": ""}, "full_name", "bắt buộc"),
        ]
        for change, field, fragment in cases:
            self._assert_refused(PUPIL_ADD, self._pupil(**change), field, fragment)

    def test_a_malformed_staff_account_is_refused_and_nothing_half_saved(self):
        base = {
            "full_name": "Trần Thị Bích",
            "username": "hn.moi",
            "email": "",
            "password": "Moi@2026hoso",
            "is_active": "on",
            "school": self.own.pk,
            "roles": ["teacher"],
            "staff_code": "",
            "ministry_id": "",
            "date_of_birth": "",
            "sex": "",
            "position": "",
            "subjects_taught": "",
            "phone": "",
        }
        cases = [
            ({"username": "x" * 500}, "username", "tối đa"),
            ({"email": "không-phải-thư"}, "email", "email"),
            ({"password": "12345678901"}, "password", "toàn chữ số"),
            ({"roles": ["inspector"]}, "roles", "hợp lệ"),
            ({"roles": ["không-có"]}, "roles", "hợp lệ"),
            ({"ministry_id": "9" * 40}, "ministry_id", "tối đa"),
        ]
        for change, field, fragment in cases:
            self._assert_refused(STAFF_ADD, {**base, **change}, field, fragment)


# --- names -------------------------------------------------------------------


def test_a_decomposed_name_is_stored_composed():
    assert clean_person_name("Nguye\u0302\u0303n  Va\u0306n   An") == "Nguyễn Văn An"


def test_the_old_tone_placement_is_unified():
    assert clean_person_name("Lê Thị Hoà") == clean_person_name("Lê Thị Hòa")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("Nguyễn Văn \u0410n", "không phải chữ cái tiếng Việt"),  # Cyrillic А
        ("Nguyễn Văn Αn", "không phải chữ cái tiếng Việt"),  # Greek Alpha
        ("Nguye\u0302\u0303\u0303\u0303n", "dấu chồng"),  # stacked marks
        ("Nguyễn\u200b Văn An", "kí tự ẩn"),  # zero-width space
        ("Nguyễn Văn An\u202e", "kí tự ẩn"),  # right-to-left override
        ("Nguyễn Văn An 2", "không phải chữ cái tiếng Việt"),
    ],
)
def test_confusable_and_invisible_characters_in_names_are_refused(name, fragment):
    with pytest.raises(ValidationError) as caught:
        clean_person_name(name)
    assert fragment in " ".join(caught.value.messages)


def test_the_pupil_form_refuses_a_cyrillic_look_alike(db):
    from django.test import Client

    school = SchoolFactory(code="THHN")
    principal = StaffFactory(school=school, roles=[RoleCode.PRINCIPAL])
    client = Client()
    client.force_login(principal.user)
    response = client.post(
        PUPIL_ADD,
        {
            "school": school.pk,
            "full_name": "Nguyễn Văn \u0410n",
            "date_of_birth": "05/09/2019",
            "sex": "nam",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
        },
    )
    assert response.status_code == 200
    assert not Pupil.objects.filter(full_name__contains="\u0410").exists()


# --- uploads -----------------------------------------------------------------


def _docx(extra: dict[str, bytes] | None = None, *, bomb: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if bomb:
            archive.writestr("word/media/big.bin", b"\0" * (300 * 1024 * 1024))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


BAD_UPLOADS = {
    "pe_named_pdf": ("ke-hoach.pdf", b"MZ\x90\x00" + b"\0" * 200, "chương trình máy tính"),
    "elf_named_docx": ("bai-day.docx", b"\x7fELF\x02\x01" + b"\0" * 200, "chương trình máy tính"),
    "text_named_pdf": ("ke-hoach.pdf", b"Hello, not a PDF", "không phải tài liệu .pdf"),
    "zip_bomb_docx": ("bai-day.docx", None, "giải nén"),
    "macro_docx": ("bai-day.docx", _docx({"word/vbaProject.bin": b"x"}), "macro"),
    "pdf_with_javascript": (
        "ke-hoach.pdf",
        minimal_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        "JavaScript",
    ),
    "pdf_with_escaped_javascript": (
        "ke-hoach.pdf",
        minimal_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> "),
        "JavaScript",
    ),
    "pdf_with_launch": (
        "ke-hoach.pdf",
        minimal_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >> "),
        "Launch",
    ),
    "odt_wrong_mimetype": ("bien-ban.odt", _docx(), "không phải tài liệu .odt"),
}


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _docx(bomb=True)


@pytest.mark.parametrize("case", sorted(BAD_UPLOADS))
def test_a_file_that_is_not_what_it_claims_is_refused(case, zip_bomb):
    name, data, fragment = BAD_UPLOADS[case]
    upload = SimpleUploadedFile(name, data if data is not None else zip_bomb)
    with pytest.raises(UploadRefused) as caught:
        inspect_upload(upload)
    assert fragment in caught.value.message


def test_a_200_mb_file_is_refused_before_it_is_read():
    class Huge(io.BytesIO):
        name = "ke-hoach.pdf"
        size = 200 * 1024 * 1024

    with pytest.raises(UploadRefused) as caught:
        inspect_upload(Huge(b"%PDF-1.7"))
    assert "quá lớn" in caught.value.message


@pytest.mark.parametrize(
    ("name", "data"), [("ke-hoach.pdf", minimal_pdf()), ("bai-day.docx", _docx())]
)
def test_honest_documents_pass(name, data):
    inspect_upload(SimpleUploadedFile(name, data))


class DocumentUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        school = SchoolFactory(code="THHN")
        cls.teacher = StaffFactory(school=school, roles=[RoleCode.TEACHER]).user
        cls.collection = school_collection(school=school)

    def setUp(self):
        self.client.force_login(self.teacher)

    def _upload(self, name: str, data: bytes):
        return self.client.post(
            "/admin/documents/multiple/add/",
            {"files[]": SimpleUploadedFile(name, data), "collection": self.collection.pk},
        )

    def test_the_multiple_uploader_refuses_a_pe_file_named_pdf_and_stores_nothing(self):
        response = self._upload("ke-hoach.pdf", b"MZ\x90\x00" + b"\0" * 500)
        assert response.status_code == 200
        payload = response.json()
        assert payload["success"] is False
        assert "chương trình máy tính" in payload["error_message"]
        assert Document.objects.count() == 0

    def test_the_single_add_form_refuses_a_pdf_with_javascript(self):
        response = self.client.post(
            "/admin/documents/add/",
            {
                "title": "Kế hoạch",
                "file": SimpleUploadedFile("ke-hoach.pdf", BAD_UPLOADS["pdf_with_javascript"][1]),
                "collection": self.collection.pk,
            },
        )
        assert response.status_code == 200
        assert "JavaScript" in " ".join(response.context["form"].errors["file"])
        assert Document.objects.count() == 0

    def test_an_honest_pdf_is_stored(self):
        payload = self._upload("ke-hoach.pdf", minimal_pdf()).json()
        assert payload["success"] is True
        assert Document.objects.count() == 1
