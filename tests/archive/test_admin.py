"""The admin's Print button gives the archived PDF; the archivist builds the package."""

from __future__ import annotations

import pytest

from archive import services, storage
from archive.models import ArchiveJob

pytestmark = pytest.mark.django_db


def test_print_gives_the_same_pdf_as_the_archive(school_data, admin_client):
    state = school_data.states["lesson_plan"]
    services.freeze_enqueue(record_state=state)
    services.run_once()
    from archive.models import ArchivedVersion

    row = ArchivedVersion.objects.get()
    response = admin_client.get(f"/admin/luu-tru/in/{state.page_id}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == storage.get_store().get(row.key)


def test_print_button_and_pending_mark_in_the_editor(school_data, admin_user):
    from wagtail.models import Page

    from archive.wagtail_hooks import print_and_archive_status_buttons

    state = school_data.states["other"]
    services.freeze_enqueue(record_state=state)
    page = Page.objects.get(pk=state.page_id)
    buttons = list(print_and_archive_status_buttons(page, admin_user, "edit"))
    assert [str(b.label) for b in buttons] == ["In", "Đang chờ lưu trữ"]
    assert buttons[0].url == f"/admin/luu-tru/in/{state.page_id}/"
    services.run_once()
    buttons = list(print_and_archive_status_buttons(page, admin_user, "edit"))
    assert [str(b.label) for b in buttons] == ["In"]


def test_archivist_starts_a_package_and_sees_progress(school_data, admin_client):
    response = admin_client.post(
        "/admin/luu-tru/goi-ho-so/",
        {"school": school_data.school.pk, "year": school_data.year.pk},
    )
    assert response.status_code == 302
    job = ArchiveJob.objects.get(kind="package")
    assert services.run_once() == 1
    job.refresh_from_db()
    progress = admin_client.get(f"/admin/luu-tru/goi-ho-so/{job.pk}/tien-do/").json()
    assert progress["status"] == "done" and progress["progress"] == progress["total"] > 0
    download = admin_client.get(f"/admin/luu-tru/goi-ho-so/{job.pk}/tai-ve/")
    assert download.status_code == 200 and download.content[:2] == b"PK"


def test_signed_pdf_url_for_search_links_each_version_to_its_own_pdf(
    school_data, admin_client, client
):
    from django.utils.module_loading import import_string

    from archive.models import ArchivedVersion

    resolve_page = import_string("archive.selectors.signed_pdf_urls")

    def resolve(page_id, revision_id):
        return resolve_page([(page_id, revision_id)]).get((page_id, revision_id))

    state = school_data.states["lesson_plan"]
    assert resolve(state.page_id, state.approved_revision_id) is None  # nothing archived yet
    v1_revision = state.approved_revision_id
    services.freeze_enqueue(record_state=state)
    services.run_once()
    from recordpages.guards import guards_bypassed

    page = school_data.records["lesson_plan"]
    from workflow.versions import content_hash

    with guards_bypassed():  # as the workflow's correction would: a new pinned version
        state.approved_revision = page.save_revision()
    state.approved_hash = content_hash(state.approved_revision)
    state.version = 2
    state.save(update_fields=["approved_revision", "approved_hash", "version"])
    services.freeze_enqueue(record_state=state, revision_id=state.approved_revision_id)
    services.run_once()
    v1, v2 = ArchivedVersion.objects.filter(page_ref=state.page_id).order_by("version")

    base = f"/admin/luu-tru/in/{state.page_id}/"
    assert resolve(state.page_id, v1_revision) == f"{base}?v=1"
    assert resolve(state.page_id, state.approved_revision_id) == f"{base}?v=2"
    assert resolve(state.page_id, None) == f"{base}?v=2"
    assert resolve(state.page_id, 10**9) == f"{base}?v=2"  # unknown revision: the latest
    store = storage.get_store()
    assert admin_client.get(f"{base}?v=1").content == store.get(v1.key)
    assert admin_client.get(f"{base}?v=2").content == store.get(v2.key)
    assert admin_client.get(f"{base}?v=7").status_code == 404
    assert admin_client.get(f"{base}?v=x").status_code == 404
    assert client.get(f"{base}?v=1").status_code == 302  # staff only: login first
