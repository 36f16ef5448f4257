"""A plan handed in as a file through the Wagtail editor (issue 15): the upload field
near the top of the form, a refused file as a field error with nothing saved, keeping
or removing the current file, and a teacher's Word plan walked through the real intake
(LibreOffice), hand-in, the reviewer's page and search."""

from __future__ import annotations

import io
import time

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

import search
from intake.convert import missing_tools
from intake.models import FileStatus, RecordFile
from recordpages import registry
from search.scope import search_scope_for
from search.types import SearchQuery
from tests.factories import school_world
from workflow import services
from workflow.models import RecordState

WORD_PLAN = "Bài 45: ươ, ương – Học sinh đọc được vần ương, viết được quê hương, con đường."


def word_plan() -> bytes:
    document = docx.Document()
    document.add_heading("Kế hoạch bài dạy – Tuần 12 – Tiếng Việt", 1)
    document.add_paragraph(WORD_PLAN)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "ke-hoach-tuan-12.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def edit_form(page, **extra) -> dict:
    """The lesson plan's editor as the teacher posts it, the form content left empty."""
    return nested_form_data(
        {
            "title": page.title,
            "slug": page.slug,
            "teacher": page.teacher_id,
            "week_number": page.week_number,
            "week_start": page.week_start.strftime("%d/%m/%Y"),
            "prepared_on": page.prepared_on.strftime("%d/%m/%Y"),
            "school_class": page.school_class_id,
            "timetable": streamfield([]),
            "lessons": streamfield([]),
            "adjustments": "",
            **extra,
        }
    )


def teacher_client(world) -> Client:
    client = Client()
    client.force_login(world.user("hn.giaovien"))
    return client


def edit_url(page) -> str:
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


@pytest.fixture
def world(db):
    return school_world()


@pytest.fixture
def lesson(world):
    return world.records["lesson_plan"].specific


def test_the_editor_offers_the_file_near_the_top_of_the_form(world, lesson):
    html = teacher_client(world).get(edit_url(lesson)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    field = html.index("Nộp bằng tệp (Word, PDF…)")
    assert html.index('name="title"') < field < html.index("Thông tin chung")
    assert 'accept=".docx,.doc,.odt,.pdf,.xlsx,.xls,.ods"' in html
    assert "thay cho các mục nội dung" not in html  # the help says "or beside them"
    assert "có thể để trống các mục nội dung bên dưới, hoặc ghi thêm bên cạnh tệp" in html


WRITERS = {
    "lesson_plan": "hn.giaovien",
    "group_plan": "hn.totruong1",
    "school_plan": "hn.hieutruong",
    "other": "hn.hieutruong",
}


@pytest.mark.parametrize("record_type", list(WRITERS))
def test_every_plan_type_offers_the_file_and_other_records_do_not(world, record_type):
    client = Client()
    client.force_login(world.user(WRITERS[record_type]))
    html = client.get(edit_url(world.records[record_type])).content.decode()
    assert "Nộp bằng tệp (Word, PDF…)" in html
    register = world.records["enrollment_register"]
    client.force_login(world.user("hn.hieutruong"))
    assert "Nộp bằng tệp" not in client.get(edit_url(register)).content.decode()


def test_a_new_record_handed_in_as_a_file_owns_its_file(world):
    from recordpages.models import OtherRecordPage
    from tests.factories.pages import year_page_of

    year_page = year_page_of(world.school, world.year)
    client = Client()
    client.force_login(world.user("hn.hieutruong"))
    url = reverse("wagtailadmin_pages:add", args=["recordpages", "otherrecordpage", year_page.pk])
    data = nested_form_data(
        {
            "title": "Biên bản họp hội đồng tháng 9",
            "category": "Biên bản họp",
            "deadline": "30/09/2026",
            "body": streamfield([]),
            "source_upload": upload(word_plan(), "bien-ban-thang-9.docx"),
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    page = OtherRecordPage.objects.get(title="Biên bản họp hội đồng tháng 9")
    row = page.source_file
    assert row.original_name == "bien-ban-thang-9.docx" and row.page_id == page.pk
    assert row.school_id == world.school.pk


def test_a_refused_file_is_an_error_on_the_field_and_nothing_is_saved(world, lesson):
    revisions, files = lesson.revisions.count(), RecordFile.objects.count()
    response = teacher_client(world).post(
        edit_url(lesson),
        edit_form(lesson, source_upload=upload(b"not a Word file at all\n" * 20)),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tệp «ke-hoach-tuan-12.docx» có đuôi .docx nhưng thực chất là" in html
    lesson.refresh_from_db()
    assert lesson.source_file_id is None
    assert lesson.timetable and lesson.lessons  # the emptied form was not kept either
    assert lesson.revisions.count() == revisions
    assert RecordFile.objects.count() == files


def attach(world, lesson, status=FileStatus.READY) -> RecordFile:
    from tests.recordpages.test_file_records import record_file

    row = record_file(world.school, status)
    lesson.source_file = row
    lesson.save()
    return row


def test_saving_without_a_new_file_keeps_the_current_one(world, lesson):
    row = attach(world, lesson)
    response = teacher_client(world).post(edit_url(lesson), edit_form(lesson))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.source_file_id == row.pk
    assert lesson.source_sha256 == row.converted_sha256


def test_bo_tep_removes_the_file_from_the_plan(world, lesson):
    attach(world, lesson)
    html = teacher_client(world).get(edit_url(lesson)).content.decode()
    assert "ke-hoach-tuan-12.docx" in html and "Đã chuyển sang PDF, 1 trang" in html
    assert "Bỏ tệp" in html

    response = teacher_client(world).post(edit_url(lesson), edit_form(lesson, source_remove="on"))
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.source_file_id is None and lesson.source_sha256 == ""


def test_posting_the_same_file_again_keeps_the_one_handed_in(world, lesson):
    # Wagtail's autosave posts the form, the chosen file included, at every change.
    client, data = teacher_client(world), word_plan()
    assert (
        client.post(edit_url(lesson), edit_form(lesson, source_upload=upload(data))).status_code
        == 302
    )
    lesson.refresh_from_db()
    first, files = lesson.source_file_id, RecordFile.objects.count()
    assert (
        client.post(edit_url(lesson), edit_form(lesson, source_upload=upload(data))).status_code
        == 302
    )
    lesson.refresh_from_db()
    assert lesson.source_file_id == first and RecordFile.objects.count() == files


def test_the_editor_shows_a_file_still_converting(world, lesson):
    attach(world, lesson, FileStatus.CONVERTING)
    html = teacher_client(world).get(edit_url(lesson)).content.decode()
    assert "Đang chuyển sang PDF…" in html


# --- the walk: a Word plan from the editor to the reviewer and the inspector --------


@pytest.mark.django_db(transaction=True)
def test_a_word_plan_goes_from_the_editor_to_the_reviewer_and_to_search(settings):
    missing = missing_tools({"docx"})
    if missing:
        pytest.skip(f"missing programs for the intake: {', '.join(missing)}")
    settings.HOSO_SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    search.reset_backend()
    world = school_world()
    lesson = world.records["lesson_plan"].specific
    teacher = teacher_client(world)

    started = time.perf_counter()
    response = teacher.post(edit_url(lesson), edit_form(lesson, source_upload=upload(word_plan())))
    save_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson.refresh_from_db()
    row = lesson.source_file
    assert row.status == FileStatus.READY and row.page_count == 1, row.error
    assert row.page_id == lesson.pk and row.uploaded_by == world.staff["hn.giaovien"]
    assert lesson.source_sha256 == row.converted_sha256
    assert lesson.get_latest_revision().content["source_sha256"] == row.converted_sha256
    print(f"save with a 1-page .docx upload (LibreOffice included): {save_seconds:.2f} s")

    services.record_transition(
        user=world.user("hn.giaovien"), page_id=lesson.pk, transition=registry.SUBMIT
    )
    assert RecordState.objects.get(pk=lesson.pk).state == registry.State.SUBMITTED

    leader = Client()
    leader.force_login(world.user("hn.totruong1"))
    html = leader.get(reverse("workflow_record", args=[lesson.pk])).content.decode()
    preview = reverse("intake:preview", args=[row.pk, 1])
    assert f'<img src="{preview}" alt="Trang 1" loading="lazy"' in html
    assert "Tải tệp gốc (.docx)" in html
    assert leader.get(preview)["Content-Type"] == "image/png"

    backend = search.get_backend()
    backend.refresh()
    scope = search_scope_for(world.user("hn.hieutruong"))
    for words in ("quê hương", "que huong", "ương", "uong"):
        hits = backend.query(SearchQuery(text=words), scope).hits
        assert lesson.pk in {hit.page_id for hit in hits}, words
    search.reset_backend()
