"""The public verification page costs an anonymous visitor's upload a bounded amount
of server work (issue #11, finding 6): a size cap checked before the body is read
(413), a PDF too complex to check is refused quickly, and each address has a quota
(429 with Retry-After). Every refusal is in Vietnamese."""

from __future__ import annotations

import io
import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from archive import signing, views
from tests.conftest import minimal_pdf

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_quota(settings):
    caches[settings.ARCHIVE.get("THROTTLE_CACHE", "pagecache")].clear()


def _post(client: Client, data: bytes, ip: str = "203.0.113.7"):
    upload = SimpleUploadedFile("hoc-ba.pdf", data, "application/pdf")
    return client.post("/xac-thuc/", {"file": upload}, REMOTE_ADDR=ip)


def _many_signatures(count: int) -> bytes:
    """One real signature referenced by `count` signature fields: each would be
    validated (its byte range hashed, its certificate path built) on its own."""
    school = SimpleNamespace(code="THHN", name="Trường Tiểu học Hòa Nghĩa")
    signed = signing.sign_pdf(minimal_pdf(), school=school, reason="Lưu trữ").pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    fields = writer.root["/AcroForm"]["/Fields"]
    value = fields[0].get_object().raw_get("/V")
    for n in range(count):
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"f{n}"),
                generic.NameObject("/V"): value,
            }
        )
        fields.append(writer.add_object(field))
    writer.update_container(fields)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_upload_cap_is_ten_megabytes():
    from django.conf import settings

    assert settings.ARCHIVE["UPLOAD_MAX_BYTES"] == 10 * MB


def test_an_upload_over_the_cap_is_refused_with_413_before_its_body_is_read():
    class Unreadable(io.BytesIO):
        def read(self, *args, **kwargs):
            raise AssertionError("the body was read")

        readline = read

    request = RequestFactory().post(
        "/xac-thuc/",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
    )
    request.META["CONTENT_LENGTH"] = str(19 * MB)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    response = views.verify_form(request)
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()


def test_an_11_mb_upload_is_refused_with_413(client):
    response = _post(client, b"%PDF-1.7\n" + b"0" * (11 * MB))
    assert response.status_code == 413
    assert "Tệp quá lớn: tối đa 10 MB" in response.content.decode()


def test_a_pdf_with_too_many_signatures_is_refused_quickly_as_too_complex(client):
    data = _many_signatures(60)
    started = time.perf_counter()
    response = _post(client, data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    assert "Tệp quá phức tạp" in response.content.decode()
    assert elapsed < 1.0, elapsed


def test_the_validation_deadline_stops_the_work_between_signatures(settings, monkeypatch):
    from archive import verification

    settings.ARCHIVE = {**settings.ARCHIVE, "VERIFY_MAX_SIGNATURES": 100}
    data = _many_signatures(20)
    clock = iter(range(0, 1000, 3))  # every reading of the clock: 3 s later
    monkeypatch.setattr("archive.signing._validation._monotonic", lambda: next(clock))
    verdict = verification.verify_upload(data)
    assert verdict.status == verification.TOO_COMPLEX


def test_an_address_gets_ten_uploads_per_ten_minutes_then_429_with_retry_after(client):
    for _ in range(10):
        assert _post(client, b"%PDF-1.7 junk").status_code == 200
    response = _post(client, b"%PDF-1.7 junk")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Bạn đã gửi quá nhiều yêu cầu kiểm tra" in response.content.decode()
    # Another address is not affected; reading the page is not an upload.
    assert _post(client, b"%PDF-1.7 junk", ip="198.51.100.9").status_code == 200
    assert client.get("/xac-thuc/", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_a_signed_pdf_extended_by_thousands_of_objects_is_judged_quickly(client):
    """The diff analysis of revisions after a signature costs per object (16 s for
    90,000); under the upload limits it is skipped, and the verdict still says the
    file was changed after signing."""
    school = SimpleNamespace(code="THHN", name="Trường Tiểu học Hòa Nghĩa")
    signed = signing.sign_pdf(minimal_pdf(), school=school, reason="Lưu trữ").pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    junk = generic.ArrayObject(
        writer.add_object(
            generic.DictionaryObject({generic.NameObject("/N"): generic.NumberObject(n)})
        )
        for n in range(20_000)
    )
    writer.root[generic.NameObject("/Junk")] = writer.add_object(junk)
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    started = time.perf_counter()
    response = _post(client, out.getvalue())
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert "Văn bản đã bị thay đổi" in response.content.decode()
    assert elapsed < 1.5, elapsed


def test_the_upload_form_still_requires_its_csrf_token():
    """The view installs its upload handler before CSRF reads the body, so it checks
    the token itself: a cross-site post is still refused."""
    client = Client(enforce_csrf_checks=True)
    response = _post(client, b"%PDF-1.7 junk")
    assert response.status_code == 403
    page = client.get("/xac-thuc/")
    token = page.cookies["csrftoken"].value
    upload = SimpleUploadedFile("hoc-ba.pdf", b"%PDF-1.7 junk", "application/pdf")
    response = client.post(
        "/xac-thuc/", {"file": upload, "csrfmiddlewaretoken": token}, REMOTE_ADDR="203.0.113.8"
    )
    assert response.status_code == 200
