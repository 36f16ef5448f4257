"""Who reads a handed-in file: its uploader, whoever may view the record it is
attached to, superusers; everyone else gets 404 (never 403). The PDF opens inline,
the original downloads, previews are PNGs made once and kept."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from intake import services
from intake.models import FileStatus
from tests.factories.world import school_world
from tests.security.security_helpers import force_login_verified


@pytest.fixture
def worlds(db):
    return school_world(), school_world(code="THAD", name="Trường Tiểu học Anh Dũng")


def _client(user) -> Client:
    client = Client()
    force_login_verified(client, user)
    return client


def _file(world, sample, *, uploader: str, page=None, convert=False, tools=None):
    row = services.accept_upload(
        SimpleUploadedFile("ke-hoach.docx", sample("ke-hoach.docx")),
        school=world.school,
        staff=world.staff[uploader],
        page=page,
    )
    if convert:
        tools("docx")
        services.convert(row)
        row.refresh_from_db()
        assert row.status == FileStatus.READY, row.error
    return row


def test_a_draft_lesson_plans_file_is_read_by_its_writer_and_reviewer_only(worlds, sample):
    own, other = worlds
    plan = own.records["lesson_plan"]  # hn.giaovien's draft
    row = _file(own, sample, uploader="hn.giaovien", page=plan)
    url = services.original_url(row)

    readers = ["hn.giaovien", "hn.totruong1"]
    others = ["hn.ketoan", "ad.hieutruong", "thanh.tra", "phong.gd"]
    for username in readers:
        user = (own.staff.get(username) or other.staff[username]).user
        assert _client(user).get(url).status_code == 200, username
    for username in others:
        user = (own.staff.get(username) or other.staff[username]).user
        assert _client(user).get(url).status_code == 404, username


def test_a_file_not_yet_attached_is_read_by_its_uploader_alone(worlds, sample):
    own, _other = worlds
    row = _file(own, sample, uploader="hn.giaovien")
    url = services.original_url(row)

    assert _client(own.user("hn.giaovien")).get(url).status_code == 200
    assert _client(own.user("hn.hieutruong")).get(url).status_code == 404
    superuser = get_user_model().objects.create_superuser("quantri", password="Quantri@2026x")
    assert _client(superuser).get(url).status_code == 200


def test_a_visitor_is_sent_to_the_login_and_reads_nothing(worlds, sample):
    own, _other = worlds
    row = _file(own, sample, uploader="hn.giaovien")

    response = Client().get(services.original_url(row))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_original_downloads_under_its_own_name(worlds, sample):
    own, _other = worlds
    row = _file(own, sample, uploader="hn.giaovien")

    response = _client(own.user("hn.giaovien")).get(services.original_url(row))

    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == sample("ke-hoach.docx")


def test_the_pdf_opens_inline_and_previews_are_made_once(worlds, sample, tools):
    own, _other = worlds
    row = _file(own, sample, uploader="hn.giaovien", convert=True, tools=tools)
    client = _client(own.user("hn.giaovien"))

    pdf = client.get(services.converted_url(row))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    png = client.get(services.preview_url(row, 1))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    kept = services.preview_name(row, 1)
    assert default_storage.exists(kept)
    from PIL import Image

    with default_storage.open(kept, "rb") as handle:
        assert 780 <= Image.open(handle).width <= 820
    assert client.get(services.preview_url(row, 2)).status_code == 404


def test_a_pending_file_has_no_pdf_yet_and_says_so(worlds, sample):
    own, _other = worlds
    row = _file(own, sample, uploader="hn.giaovien")
    client = _client(own.user("hn.giaovien"))

    assert client.get(services.converted_url(row)).status_code == 404
    status = client.get(reverse("intake:status", args=[row.pk])).json()
    assert status["status"] == FileStatus.PENDING and status["label"] == "Đang chờ chuyển đổi"
