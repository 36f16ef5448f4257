"""`make run` moves the demo's records through the workflow in one process per core
(issue 18), each step's file rendered before the step's transaction: the step must
then sign that very file, not void it and render another. Each process freezes the
records it finished."""

import datetime as dt

import pytest

from archive.models import ArchivedVersion, Signature, SignatureOutcome, SigningFile
from archive.services import should_freeze
from cms.management.commands.load_demo_district import freeze_if_due
from recordpages.demo.loader import Options, load_demo_district
from signatures.demo import bind_demo_certificates
from tests.conftest import DEMO_TODAY
from workflow.demo import apply_demo_states
from workflow.models import Correction, RecordState


def _load(schools: int) -> None:
    load_demo_district(
        Options(
            today=dt.date(2026, 5, 31),
            schools=schools,
            grades=(5,),
            classes_per_grade=(1, 1),
            min_pupils=2,
            max_pupils=2,
            lesson_weeks=1,
            bulk_index=False,
        )
    )


@pytest.mark.django_db(transaction=True)
def test_two_processes_sign_the_files_they_rendered_before_each_step():
    _load(schools=2)
    bind_demo_certificates()

    apply_demo_states(DEMO_TODAY, processes=2, finished=freeze_if_due)

    # Every record was moved, once.
    hoc_ba = RecordState.objects.filter(record_type="student_record")
    assert set(hoc_ba.values_list("state", flat=True)) <= {"signed", "correcting"}
    files = SigningFile.objects.all()
    assert files.values("school").distinct().count() == 2
    # A class summary is handed in once its class's học bạ are approved: taken after
    # them, none was refused for one a process still held.
    summaries = RecordState.objects.filter(
        record_type="class_summary", school_year__end_date__lt=DEMO_TODAY
    )
    assert summaries.exists()
    assert not summaries.filter(state="draft").exists()
    # A file rendered before a step for the wrong version or content would be voided by
    # the step, or left without any signature of its version.
    assert not files.filter(voided_at__isnull=False).exists()
    made = set(Signature.objects.values_list("page_ref", "version"))
    assert set(files.values_list("page_ref", "version")) <= made
    signed = Signature.objects.filter(outcome=SignatureOutcome.SIGNED)
    assert signed.values("file__school").distinct().count() == 2
    assert RecordState.objects.exclude(state__in=["draft", "maintained"]).exists()
    assert Correction.objects.filter(state="consented").count() == 1  # after both processes
    # Every record the processes approved or signed was frozen by them, from the file
    # its signers signed when there is one (the same verification code).
    due = [r for r in RecordState.objects.all() if should_freeze(r, r.state)]
    assert len(due) >= 4
    frozen = ArchivedVersion.objects.values_list("page_ref", "version", "verification_code")
    assert {(r.pk, r.version) for r in due} <= {(page, v) for page, v, _code in frozen}
    codes = {(f.page_ref, f.version): f.verification_code for f in files}
    assert all(codes.get((page, v), code) == code for page, v, code in frozen)
