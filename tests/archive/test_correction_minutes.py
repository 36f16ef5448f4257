"""Correction minutes end to end: a học bạ signed through the workflow, corrected
(request → consent → edit → finish → three acknowledgements); the worker then
stores the signed minutes, linked to v1 and v2, and v2 beside v1."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from archive import services, signing, storage
from archive.minutes import readable_changes
from archive.models import ArchivedVersion, ArchiveJob, DocumentKind, JobKind, JobStatus
from recordpages.models import StudentRecordPage
from tests.workflow.conftest import complete_student_record, user
from workflow import services as workflow
from workflow.models import Correction, RecordState

pytestmark = pytest.mark.django_db


def _step(capture, username: str, page_id: int, transition: str) -> None:
    with capture(execute=True):
        workflow.record_transition(user=user(username), page_id=page_id, transition=transition)


@pytest.fixture
def corrected(district, django_capture_on_commit_callbacks):
    """A signed học bạ (v1, frozen), then corrected: height and the Toán level."""
    capture = django_capture_on_commit_callbacks
    workflow.ensure_all_record_states()
    page = StudentRecordPage.objects.filter(
        school_class__homeroom_teacher__user__username="hn.giaovien"
    ).first()
    complete_student_record(page)
    for username, transition in [
        ("hn.giaovien", "submit"),
        ("hn.phohieutruong", "approve"),
        ("hn.vanthu", "confirm_paper"),
        ("hn.vanthu", "sign"),
    ]:
        _step(capture, username, page.pk, transition)
    assert services.run_once() == 1  # v1 frozen
    before = StudentRecordPage.objects.get(pk=page.pk)

    correction = workflow.correction_request(
        user=user("hn.giaovien"), page_id=page.pk, reason="Nhập nhầm chiều cao và mức môn Toán"
    )
    workflow.correction_decide(
        user=user("hn.hieutruong"), correction_id=correction.pk, consent=True
    )
    edited = StudentRecordPage.objects.get(pk=page.pk)
    edited.height_cm = (before.height_cm or 120) + 7
    results = list(edited.subject_results.all())
    toan = next(r for r in results if r.subject == "toan")
    old_level = toan.level
    toan.level = "H" if old_level == "T" else "T"
    edited.subject_results = results
    edited.save_revision(user=user("hn.giaovien"))
    workflow.correction_finish_editing(user=user("hn.giaovien"), correction_id=correction.pk)
    for username in ("hn.giaovien", "hn.hieutruong", "hn.quantri"):
        with capture(execute=True):
            workflow.correction_acknowledge(user=user(username), correction_id=correction.pk)
    state = RecordState.objects.get(pk=page.pk)
    assert (state.state, state.version) == ("signed", 2)
    return {
        "page": page,
        "before": before,
        "after_height": edited.height_cm,
        "old_level": old_level,
        "new_level": toan.level,
        "correction": Correction.objects.get(pk=correction.pk),
    }


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "minutes.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    )
    return " ".join(result.stdout.split())


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_closing_a_correction_stores_signed_minutes_and_freezes_v2_beside_v1(corrected, tmp_path):
    page = corrected["page"]
    jobs = ArchiveJob.objects.filter(page_id=page.pk).order_by("pk")
    assert [(j.kind, j.version) for j in jobs] == [
        (JobKind.FREEZE, 1),
        (JobKind.FREEZE, 2),
        (JobKind.MINUTES, 2),
    ]
    assert services.run_once() == 2
    assert not ArchiveJob.objects.exclude(status=JobStatus.DONE).exists()

    store = storage.get_store()
    records = list(
        ArchivedVersion.objects.filter(page_ref=page.pk, kind=DocumentKind.RECORD).order_by(
            "version"
        )
    )
    assert [r.key.rsplit("/", 1)[-1] for r in records] == ["v1.pdf", "v2.pdf"]
    v1, v2 = records
    assert storage.sha256(store.get(v1.key)) == v1.sha256  # v1 still retrievable, unchanged
    assert v1.content_sha256 != v2.content_sha256
    assert all(signing.validate_pdf(store.get(r.key)).ok for r in records)

    minutes = ArchivedVersion.objects.get(page_ref=page.pk, kind=DocumentKind.MINUTES)
    school, year = page.specific.school.code, page.specific.school_year.name
    assert minutes.key.startswith(f"schools/{school}/{year}/minutes/{page.pk}/v1-v2-")
    assert minutes.related["version_before"] == 1 and minutes.related["version_after"] == 2
    assert minutes.related["before_key"] == v1.key and minutes.related["after_key"] == v2.key
    assert minutes.related["before_code"] == v1.verification_code
    assert minutes.related["after_code"] == v2.verification_code
    assert minutes.related["correction_id"] == corrected["correction"].pk
    data = store.get(minutes.key)
    assert storage.sha256(data) == minutes.sha256
    report = signing.validate_pdf(data)
    assert report.ok and report.intact and report.trusted and report.whole_file
    assert minutes.signer == report.signer and minutes.validation["ok"]

    text = _pdftotext(data, tmp_path)
    assert "Biên bản sửa dữ liệu".upper() in text.upper()
    assert corrected["before"].title in text
    # Each changed field, with its Vietnamese label and before/after values.
    height = f"Chiều cao (cm) {corrected['before'].height_cm} {corrected['after_height']}"
    assert height in text
    labels = {"T": "Hoàn thành tốt", "H": "Hoàn thành", "C": "Chưa hoàn thành"}
    assert (
        f"Toán – Mức đạt được cuối năm {labels[corrected['old_level']]} "
        f"{labels[corrected['new_level']]}"
    ).lower() in text.lower()
    assert "Nhập nhầm chiều cao và mức môn Toán" in text
    # Who asked, who consented and the three acknowledgements, by name.
    for username in ("hn.giaovien", "hn.hieutruong", "hn.quantri"):
        assert user(username).staff_profile.full_name in text
    assert "Cán bộ quản trị hệ thống" in text and "Người đề nghị sửa" in text
    assert v1.verification_code in text and v2.verification_code in text


def test_the_event_twice_queues_the_minutes_once(corrected, django_capture_on_commit_callbacks):
    state = RecordState.objects.get(pk=corrected["page"].pk)
    from archive.signals import on_record_transitioned

    for _ in range(2):
        on_record_transitioned(
            RecordState,
            record_state=state,
            target=state.state,
            transition="correction",
            revision_id=state.approved_revision_id,
        )
    assert ArchiveJob.objects.filter(kind=JobKind.MINUTES, page_id=state.pk).count() == 1
    assert ArchiveJob.objects.filter(kind=JobKind.FREEZE, page_id=state.pk).count() == 2


def test_readable_changes_label_fields_and_child_items_in_vietnamese():
    lines = readable_changes(
        StudentRecordPage,
        [
            {"field": "year_end_result", "label": "x", "before": "HT", "after": "HTT"},
            {
                "field": "competence_results",
                "label": "competence_results",
                "before": [{"pk": 1, "competence": "cham_chi", "level": "Đ", "comment": ""}],
                "after": [{"pk": 1, "competence": "cham_chi", "level": "T", "comment": "Tiến bộ"}],
            },
        ],
    )
    assert lines[0]["before"] == "Hoàn thành" and lines[0]["after"] == "Hoàn thành tốt"
    assert [line["field"].split(" – ")[-1] for line in lines[1:]] == ["mức cuối năm", "nhận xét"]
    assert lines[1]["after"] == "Tốt" and lines[2]["before"] == "(để trống)"


def test_the_worker_sweep_queues_minutes_a_lost_event_missed(corrected):
    ArchiveJob.objects.filter(kind=JobKind.MINUTES).delete()
    assert services.minutes_missing() == 1
    job = ArchiveJob.objects.get(kind=JobKind.MINUTES)
    assert job.payload["correction_id"] == corrected["correction"].pk
    assert (job.payload["version_before"], job.payload["version_after"]) == (1, 2)
    assert services.minutes_missing() == 0
