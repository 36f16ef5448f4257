"""Plans handed in as a file (issue 15): what "Nộp" asks of a record with or without a
file, the hash the record carries, and the record page reviewers see.

Files are RecordFile rows made here in each state, their PDF rendered by the archive's
renderer: the intake's own conversion is tested in tests/intake and, end to end through
the editor, in tests/recordpages/test_file_records_editor.py."""

from __future__ import annotations

import functools
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from archive.rendering import html_to_pdf
from intake.models import FileKind, FileStatus, RecordFile
from recordpages import registry
from recordpages.models.base import note_converted_file
from tests.factories import school_world
from workflow import services
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

PLAN_TYPES = ["lesson_plan", "group_plan", "school_plan", "other"]
CONVERTING = "Tệp đang được chuyển sang PDF, vui lòng chờ trong giây lát"
# Who hands each type in (recordpages.registry: the submit step's actors).
WRITER = {
    "lesson_plan": "hn.giaovien",
    "group_plan": "hn.totruong1",
    "school_plan": "hn.hieutruong",
    "other": "hn.hieutruong",
}


@functools.cache
def plan_pdf() -> bytes:
    html = (
        "<h1>Kế hoạch bài dạy tuần 12</h1>"
        "<p>Bài 45: ươ, ương. Học sinh đọc được vần ương, viết được quê hương.</p>"
    )
    return html_to_pdf(html, title="Kế hoạch bài dạy tuần 12")


def record_file(school, status: str = FileStatus.READY, *, error: str = "") -> RecordFile:
    original = b"PK\x03\x04 a Word file, as far as these tests care"
    row = RecordFile(
        school=school,
        original_name="ke-hoach-tuan-12.docx",
        original_sha256=hashlib.sha256(original).hexdigest(),
        original_size=len(original),
        kind=FileKind.DOCX,
        status=status,
        error=error,
    )
    row.original.save("ke-hoach-tuan-12.docx", ContentFile(original), save=False)
    if status == FileStatus.READY:
        pdf = plan_pdf()
        row.converted.save("ke-hoach-tuan-12.pdf", ContentFile(pdf), save=False)
        row.converted_sha256 = hashlib.sha256(pdf).hexdigest()
        row.page_count = 1
        row.text = "Bài 45: ươ, ương. Học sinh đọc được vần ương, viết được quê hương."
    row.save()
    return row


def emptied(page):
    """The plan with every content field of its form left empty."""
    for name in page.form_content_fields:
        field = page._meta.get_field(name)
        setattr(page, name, [] if field.get_internal_type() == "StreamField" else "")
    return page


@pytest.fixture
def world():
    return school_world()


def plan(world, record_type: str):
    return world.records[record_type].specific


def hand_in_errors(page) -> list[str]:
    return registry.for_record(page).completeness_errors(page)


# --- what "Nộp" asks --------------------------------------------------------------


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_plan_without_a_file_needs_every_content_field_of_its_form(world, record_type):
    page = emptied(plan(world, record_type))
    errors = hand_in_errors(page)
    for name in page.form_content_fields:
        label = str(page._meta.get_field(name).verbose_name)
        expected = f"{label[0].upper()}{label[1:]}: cần điền nội dung, hoặc nộp kế hoạch bằng tệp"
        assert any(error.startswith(expected) for error in errors), (name, errors)


def test_the_lesson_and_group_plans_keep_their_own_messages_without_a_file(world):
    assert "Kế hoạch bài dạy cần có lịch báo giảng và ít nhất một bài dạy." in hand_in_errors(
        emptied(plan(world, "lesson_plan"))
    )
    assert "Kế hoạch dạy học cần có ít nhất một dòng." in hand_in_errors(
        emptied(plan(world, "group_plan"))
    )


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_plan_with_its_form_filled_and_no_file_may_be_handed_in(world, record_type):
    assert hand_in_errors(plan(world, record_type)) == []


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_converted_file_stands_for_the_form_content(world, record_type):
    page = emptied(plan(world, record_type))
    page.source_file = record_file(world.school)
    page.save()
    assert hand_in_errors(page) == []


@pytest.mark.parametrize("status", [FileStatus.PENDING, FileStatus.CONVERTING])
@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_file_still_converting_blocks_hand_in(world, record_type, status):
    page = plan(world, record_type)  # even with the form filled: the file is the plan
    page.source_file = record_file(world.school, status)
    page.save()
    assert hand_in_errors(page) == [CONVERTING]


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_refused_file_blocks_hand_in_with_its_reason(world, record_type):
    reason = "Tệp «ke-hoach-tuan-12.docx» có mật khẩu: hãy bỏ mật khẩu rồi nộp lại."
    page = emptied(plan(world, record_type))
    page.source_file = record_file(world.school, FileStatus.REFUSED, error=reason)
    page.save()
    assert hand_in_errors(page) == [
        f"Tệp “ke-hoach-tuan-12.docx” không chuyển được sang PDF: {reason}"
    ]


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_handing_in_while_the_file_converts_is_refused_and_changes_nothing(world, record_type):
    page = emptied(plan(world, record_type))
    page.source_file = record_file(world.school, FileStatus.CONVERTING)
    page.save_revision(user=world.user(WRITER[record_type]))
    with pytest.raises(services.TransitionRefused) as refusal:
        services.record_transition(
            user=world.user(WRITER[record_type]), page_id=page.pk, transition=registry.SUBMIT
        )
    assert CONVERTING in refusal.value.message
    record = RecordState.objects.get(pk=page.pk)
    assert record.state == registry.State.DRAFT
    assert record.submitted_at is None


@pytest.mark.parametrize("record_type", PLAN_TYPES)
def test_a_plan_handed_in_as_a_converted_file_is_submitted(world, record_type):
    page = emptied(plan(world, record_type))
    page.source_file = record_file(world.school)
    page.save_revision(user=world.user(WRITER[record_type]))
    services.record_transition(
        user=world.user(WRITER[record_type]), page_id=page.pk, transition=registry.SUBMIT
    )
    assert RecordState.objects.get(pk=page.pk).state == registry.State.SUBMITTED


# --- the hash the record carries ----------------------------------------------------


def test_every_save_copies_the_converted_pdfs_hash_onto_the_record(world):
    page = plan(world, "lesson_plan")
    ready = record_file(world.school)
    page.source_file = ready
    page.save()
    page.refresh_from_db()
    assert page.source_sha256 == ready.converted_sha256 == hashlib.sha256(plan_pdf()).hexdigest()
    assert ready.__class__.objects.get(pk=ready.pk).page_id == page.pk  # attached

    revision = page.save_revision(user=world.user("hn.giaovien"))
    assert revision.content["source_sha256"] == ready.converted_sha256

    page.source_file = None
    page.full_clean()
    assert page.source_sha256 == ""


def test_a_file_converted_after_the_save_completes_the_versions_naming_it_when_stored(world):
    page = plan(world, "lesson_plan")
    waiting = record_file(world.school, FileStatus.CONVERTING)
    page.source_file = waiting
    page.save()
    revision = page.save_revision(user=world.user("hn.giaovien"))
    assert revision.content["source_sha256"] == ""

    pdf = plan_pdf()
    waiting.converted.save("ke-hoach-tuan-12.pdf", ContentFile(pdf), save=False)
    waiting.status, waiting.converted_sha256 = FileStatus.READY, hashlib.sha256(pdf).hexdigest()
    waiting.page_count = 1
    waiting.save(update_fields=["status", "converted", "converted_sha256", "page_count"])
    assert note_converted_file(waiting) == 0  # done when the worker stored the conversion

    revision.refresh_from_db()
    page.refresh_from_db()
    assert revision.content["source_sha256"] == page.source_sha256 == waiting.converted_sha256
    assert hand_in_errors(page.get_latest_revision_as_object()) == []


def test_a_version_saved_before_its_file_was_converted_is_not_handed_in(world):
    page = emptied(plan(world, "other"))
    waiting = record_file(world.school, FileStatus.CONVERTING)
    page.source_file = waiting
    page.save_revision(user=world.user("hn.hieutruong"))
    RecordFile.objects.filter(pk=waiting.pk).update(
        status=FileStatus.READY, converted_sha256="0" * 64, page_count=1
    )
    assert hand_in_errors(page.get_latest_revision_as_object()) == [
        "Tệp vừa chuyển sang PDF xong: vui lòng lưu lại hồ sơ rồi nộp."
    ]


def test_a_record_cannot_name_another_schools_file(world):
    other_school = school_world(code="THAD", name="Trường Tiểu học Anh Dũng").school
    page = plan(world, "other")
    page.source_file = record_file(other_school)
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert "Tệp này thuộc trường khác." in str(refused.value)


def test_a_copy_of_a_plan_does_not_take_its_file(world):
    page = plan(world, "lesson_plan")
    page.source_file = record_file(world.school)
    page.save()
    copy = page.copy(update_attrs={"week_number": 13, "slug": "tuan-13"})
    assert copy.specific.source_file_id is None
    assert copy.specific.source_sha256 == ""


# --- the record page reviewers see --------------------------------------------------


def reviewer(world) -> Client:
    client = Client()
    client.force_login(world.user("hn.totruong1"))
    return client


def submitted_with(world, row: RecordFile):
    page = plan(world, "lesson_plan")
    page.source_file = row
    page.save()  # as the editor saves a record that is not live: the row, then a revision
    page.save_revision(user=world.user("hn.giaovien"))
    return page


def test_the_reviewer_sees_the_files_pages_without_downloading_it(world):
    row = record_file(world.school)
    page = submitted_with(world, row)
    services.record_transition(
        user=world.user("hn.giaovien"), page_id=page.pk, transition=registry.SUBMIT
    )
    client = reviewer(world)
    html = client.get(reverse("workflow_record", args=[page.pk])).content.decode()

    preview = reverse("intake:preview", args=[row.pk, 1])
    assert f'<img src="{preview}" alt="Trang 1" loading="lazy"' in html
    assert "ke-hoach-tuan-12.docx" in html and "Đã chuyển sang PDF, 1 trang" in html
    assert f'href="{reverse("intake:converted", args=[row.pk])}"' in html
    assert "Tải tệp gốc (.docx)" in html
    assert "Phép cộng trong phạm vi 10" in html  # the form's own content, beside the file
    image = client.get(preview)
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (FileStatus.CONVERTING, "Đang chuyển sang PDF…"),
        (FileStatus.REFUSED, "Không chuyển được sang PDF: Tệp hỏng."),
    ],
)
def test_the_record_page_says_when_the_file_is_converting_or_refused(world, status, shown):
    page = submitted_with(world, record_file(world.school, status, error="Tệp hỏng."))
    html = reviewer(world).get(reverse("workflow_record", args=[page.pk])).content.decode()
    assert shown in html
    assert "<img" not in html.split("Tệp đã nộp", 1)[1].split("Lịch sử", 1)[0]


def test_the_record_page_says_which_program_the_server_lacks_for_a_waiting_file(world):
    waiting = "Máy chủ chưa cài chương trình chuyển đổi (soffice): tệp đang chờ"
    page = submitted_with(world, record_file(world.school, FileStatus.PENDING, error=waiting))
    html = reviewer(world).get(reverse("workflow_record", args=[page.pk])).content.decode()
    assert waiting in html


def test_wagtails_preview_of_the_record_shows_the_file(world):
    row = record_file(world.school)
    page = submitted_with(world, row)
    client = Client()
    client.force_login(world.user("hn.giaovien"))
    html = client.get(reverse("wagtailadmin_pages:view_draft", args=[page.pk])).content.decode()
    assert f'src="{reverse("intake:preview", args=[row.pk, 1])}" alt="Trang 1"' in html


def test_the_record_pages_queries_do_not_grow_with_the_files_pages(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = record_file(world.school)
    page = submitted_with(world, row)
    client = reviewer(world)
    url = reverse("workflow_record", args=[page.pk])
    client.get(url)  # warm: sessions, caches
    with CaptureQueriesContext(connection) as one_page:
        html = client.get(url).content.decode()
    assert html.count('alt="Trang ') == 1
    RecordFile.objects.filter(pk=row.pk).update(page_count=30)
    with CaptureQueriesContext(connection) as thirty_pages:
        html = client.get(url).content.decode()
    assert html.count('alt="Trang ') == 30
    assert len(thirty_pages) == len(one_page)
    print(f"record page with a file: {len(one_page)} queries")
