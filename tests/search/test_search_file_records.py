"""A plan handed in as a file is found by the words in the file (issue 15), with or
without diacritics, on both backends; and a file converted after the record was saved
reaches the index when its conversion is stored (real LibreOffice)."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from conftest import add_other_record, approve_record
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

import search
from intake import services as intake_services
from intake.convert import missing_tools
from intake.models import FileKind, FileStatus, RecordFile
from search.documents import page_text
from search.scope import search_scope_for
from search.types import SearchQuery
from workflow.events import record_saved
from workflow.models import RecordState

FILE_TEXT = "Bài 45: vần ương. Học sinh viết được con đường, quê hương, bay lượn."


def find(user, text: str) -> list[tuple[int, str]]:
    backend = search.get_backend()
    backend.refresh()
    results = backend.query(SearchQuery(text=text), search_scope_for(user))
    return [(hit.page_id, hit.variant) for hit in results.hits]


def saved(page) -> None:
    """What workflow emits after the save commits."""
    record_saved.send(
        sender=RecordState, page_id=page.pk, record_state=RecordState.objects.get(pk=page.pk)
    )


def ready_file(school, text: str = FILE_TEXT) -> RecordFile:
    row = RecordFile(
        school=school,
        original_name="ke-hoach-tuan-12.docx",
        original_sha256=hashlib.sha256(text.encode()).hexdigest(),
        kind=FileKind.DOCX,
        status=FileStatus.READY,
        converted_sha256=hashlib.sha256(b"pdf" + text.encode()).hexdigest(),
        page_count=1,
        text=text,
    )
    row.original.save("ke-hoach-tuan-12.docx", ContentFile(b"docx"), save=False)
    row.save()
    return row


def handed_in_as(district, row: RecordFile, title: str = "Kế hoạch tuần 12"):
    """An "other record" whose content is the file (the form's body left empty)."""
    page = add_other_record(district, "s1", title, "")
    page.body = []
    page.source_file = row
    page.save()
    page.save_revision()
    return page


@pytest.mark.django_db
def test_an_inspector_finds_an_approved_plan_by_a_word_of_its_file(backend, district):
    page = handed_in_as(district, ready_file(district.schools["s1"]))
    approve_record(page)
    saved(page)
    inspector = district.users["inspector"]
    for words in ("vần ương", "van uong", "quê hương", "que huong", "bay lượn"):
        assert find(inspector, words) == [(page.pk, "approved")], words


@pytest.mark.django_db
def test_exact_diacritics_in_the_file_rank_first(backend, district):
    huong = handed_in_as(district, ready_file(district.schools["s1"]), "Kế hoạch A")
    other = handed_in_as(
        district,
        ready_file(district.schools["s1"], "Bài 46: học sinh uống nước, hướng dẫn vệ sinh."),
        "Kế hoạch B",
    )
    saved(huong)
    saved(other)
    hits = find(district.users["principal"], "hương")
    assert hits and hits[0] == (huong.pk, "working")


@pytest.mark.django_db
def test_the_indexed_text_has_the_files_words_and_not_its_hash(district):
    row = ready_file(district.schools["s1"])
    page = handed_in_as(district, row)
    text = page_text(page.get_latest_revision_as_object())
    assert "quê hương" in text
    assert row.converted_sha256 not in text


def word_plan() -> bytes:
    document = docx.Document()
    document.add_heading("Kế hoạch bài dạy tuần 12", 1)
    document.add_paragraph(FILE_TEXT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_file_converted_after_the_save_reaches_the_index(
    district, settings, django_capture_on_commit_callbacks
):
    missing = missing_tools({"docx"})
    if missing:
        pytest.skip(f"missing programs for the intake: {', '.join(missing)}")
    settings.HOSO_SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    search.reset_backend()
    search.get_backend().clear()
    principal = district.users["principal"]
    page = add_other_record(district, "s1", "Kế hoạch tuần 12", "Xem tệp đính kèm")
    upload = SimpleUploadedFile("ke-hoach-tuan-12.docx", word_plan())
    with django_capture_on_commit_callbacks(execute=True):
        row = intake_services.accept_upload(
            upload, school=district.schools["s1"], staff=district.staff["principal"], page=page
        )
        page.source_file = row
        page.save()
        page.save_revision()
        saved(page)  # indexed now, before the worker converts the file
        assert find(principal, "que huong") == []
    # The conversion ran when the save committed; its file is in the record's text.
    row.refresh_from_db()
    assert row.status == FileStatus.READY, row.error
    page.refresh_from_db()
    assert page.source_sha256 == row.converted_sha256
    assert find(principal, "que huong") == [(page.pk, "working")]
    assert find(principal, "quê hương") == [(page.pk, "working")]
    search.reset_backend()
