"""'Nộp kế hoạch cả tuần bằng tệp': a week's files dropped on one screen, guessed,
confirmed, and one draft plan whose source is the converted files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from freezegun import freeze_time

from intake.convert import missing_tools
from intake.models import FileKind, FileStatus, RecordFile
from recordpages.models import LessonPlanPage
from recordpages.registry import SUBMIT
from tests.week.helpers import approved_group_plans, client_for
from workflow.choices import State
from workflow.models import RecordState
from workflow.services import record_transition

NAMES = [
    "KHBD_T13_Toan_Bai45.docx",
    "Tuần 13 - Tiếng Việt - Vần an at.docx",
    "T13 on tap cuoi tuan.docx",
]


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-20 08:00:00"):
        yield


def _docx(title: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, 1)
    document.add_paragraph("I. Yêu cầu cần đạt: học sinh đọc, viết được vần an, at.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _uploads(names=NAMES):
    return [SimpleUploadedFile(name, _docx(name)) for name in names]


def test_the_upload_screen_takes_several_files_without_javascript(world, teacher):
    page = client_for(teacher.user).get(reverse("week_upload")).content.decode()
    assert 'type="file"' in page and "multiple" in page and 'enctype="multipart/form-data"' in page


def test_a_weeks_three_word_files_make_one_plan_whose_file_is_ready(
    world, teacher, plan, django_capture_on_commit_callbacks
):
    if missing := missing_tools({"docx"}):
        pytest.skip(f"missing programs for the intake: {', '.join(missing)}")
    approved_group_plans(world)
    client = client_for(teacher.user)
    with django_capture_on_commit_callbacks(execute=True):
        step1 = client.post(
            reverse("week_upload"),
            {"files": _uploads(), "school_class": world.classes["1B"].pk},
        )
    assert step1.status_code == 200
    shown = step1.content.decode()
    assert "Bài 45: Phép cộng trong phạm vi 10" in shown and "Bài 13A: Vần an, at" in shown
    assert "Tiếng Việt" in shown
    form = step1.context["form"]
    # Only the file whose name gives no subject is asked about.
    assert [name for name in form.fields if name.startswith("subject_")] == ["subject_2"]
    assert form.initial["week"] == 13

    response = client.post(
        reverse("week_confirm"),
        {
            "token": form.initial["token"],
            "school_class": world.classes["1B"].pk,
            "week": 13,
            "subject_2": "",
        },
    )
    new = LessonPlanPage.objects.get(teacher=teacher, week_number=13)
    assert response["Location"] == reverse("workflow_record", args=[new.pk])
    record_file = RecordFile.objects.get(pk=new.source_file_id)
    assert record_file.kind == FileKind.BUNDLE
    assert record_file.status == FileStatus.READY, record_file.error
    assert record_file.page_id == new.pk and record_file.page_count == 3
    assert new.week_start == dt.date(2026, 11, 23)
    headers = [(b.value["subject"], b.value["lesson_title"]) for b in new.lessons]
    assert headers == [
        ("toan", "Bài 45: Phép cộng trong phạm vi 10"),
        ("tieng_viet", "Bài 13A: Vần an, at"),
    ]
    assert new.timetable[0].value["lesson_title"] == "Bài 45: Phép cộng trong phạm vi 10"
    # The converted PDF's hash is the record's: what the reviewer approves is the file.
    assert new.source_sha256 == record_file.converted_sha256 != ""
    # "Nộp" is one click away: the file-handed plan is complete enough to hand in.
    record = record_transition(user=teacher.user, page_id=new.pk, transition=SUBMIT)
    assert record.state == State.SUBMITTED
    assert RecordState.objects.get(pk=new.pk).state == State.SUBMITTED


def test_a_refused_file_shows_the_reason_and_creates_nothing(world, teacher):
    files = [*_uploads(NAMES[:1]), SimpleUploadedFile("Tuan 13 TV.docx", b"not a word file")]
    plans = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(reverse("week_upload"), {"files": files})
    assert response.status_code == 400
    assert "Tuan 13 TV.docx" in response.content.decode()
    assert LessonPlanPage.objects.count() == plans
    assert not RecordFile.objects.exists()


def test_a_forged_token_creates_nothing(world, teacher):
    plans = LessonPlanPage.objects.count()
    response = client_for(teacher.user).post(
        reverse("week_confirm"), {"token": "x", "week": 13}, follow=True
    )
    assert "Phiên nộp tệp đã hết hạn" in response.content.decode()
    assert LessonPlanPage.objects.count() == plans
