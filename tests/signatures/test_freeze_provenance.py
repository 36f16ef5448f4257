"""The freeze of a signed record (issue 18: a học bạ's freeze spent nine tenths of its
time in pyHanko's modification analysis of revisions the archive wrote itself). The
signing steps' file is read back only under the SHA-256 they recorded, and a file the
archive wrote itself is validated without that analysis, to the same verdict."""

from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from archive import services as archive_services
from archive import signing, storage
from archive.models import ArchivedVersion, ArchiveJob, SigningFile
from archive.rendering import html_to_pdf
from tests.factories import school_world
from tests.workflow.conftest import sign_hoc_ba_along_its_chain

pytestmark = pytest.mark.django_db

VERDICT = ("signed", "intact", "valid", "trusted", "whole_file", "signer", "timestamp_trusted")


def _freeze():
    archive_services.freeze_missing()  # the step's event is sent on commit
    while archive_services.run_once():
        pass


def test_a_frozen_hoc_ba_records_the_verdict_of_a_full_validation():
    world = school_world()
    page = sign_hoc_ba_along_its_chain(world)
    _freeze()

    row = ArchivedVersion.objects.get(page_ref=page.pk, kind="record")
    full = signing.validate_pdf(storage.get_store().get(row.key)).as_dict()
    assert full["ok"] and full["archive_timestamps"] == 1
    assert {key: row.validation[key] for key in (*VERDICT, "ok")} == {
        key: full[key] for key in (*VERDICT, "ok")
    }


def test_a_signing_file_changed_after_its_last_step_is_not_archived():
    world = school_world()
    page = sign_hoc_ba_along_its_chain(world)
    file = SigningFile.objects.get(page_ref=page.pk)
    store = storage.get_store()
    # The stored file swapped for one with an update nobody signed.
    changed = _updated(store.get(file.stage_key))
    SigningFile.objects.filter(pk=file.pk).update(stage_key=f"{file.stage_key}.changed")
    store.put(f"{file.stage_key}.changed", changed, content_type="application/pdf")

    _freeze()

    assert not ArchivedVersion.objects.filter(page_ref=page.pk, kind="record").exists()
    job = ArchiveJob.objects.get(page_id=page.pk)
    assert "đã bị thay đổi sau bước ký cuối" in job.last_error


def _school_signed(world) -> bytes:
    pdf = html_to_pdf("<h1>Kế hoạch</h1><p>Nội dung</p>", title="Kế hoạch")
    return signing.sign_pdf(pdf, school=world.school, reason="Thử").pdf


def test_own_bytes_makes_a_file_whole_only_when_a_timestamp_alone_follows_them():
    world = school_world()
    signed = _school_signed(world)
    archived = signing.archive_timestamp(signed)

    assert signing.validate_pdf(archived, own_bytes=len(signed)).whole_file
    assert not signing.validate_pdf(archived, own_bytes=len(signed) - 1).whole_file
    assert signing.validate_pdf(signed, own_bytes=len(signed)).whole_file

    # An update after the last signature that is not the archive's timestamp.
    assert not signing.validate_pdf(_updated(signed), own_bytes=len(signed)).whole_file


def _updated(pdf: bytes) -> bytes:
    """The file with one more revision that changes its catalogue."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    writer.root["/Lang"] = writer.root["/Lang"]
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
