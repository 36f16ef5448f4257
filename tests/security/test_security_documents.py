"""A school's documents are served only to who may read that school (issue #11,
finding 4): a permission on the document's collection, or authority staff over
the school. Another school's staff get a Vietnamese refusal, not the file."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from security_helpers import force_login_verified
from wagtail.documents import get_document_model
from wagtail.models import Collection

from recordpages.models import School
from recordpages.services import school_collection

pytestmark = pytest.mark.django_db

SECRET = b"%PDF-1.4\n% bien ban hop to chuyen mon THAD\n%%EOF\n"
REFUSAL = "Bạn không có quyền tải tài liệu này"


@pytest.fixture
def documents(district):
    Document = get_document_model()
    out = {}
    for code in ("THHN", "THAD"):
        out[code] = Document.objects.create(
            title=f"Biên bản {code}",
            file=ContentFile(SECRET, name=f"bien-ban-{code.lower()}.pdf"),
            collection=school_collection(school=School.objects.get(code=code)),
        )
    out["root"] = Document.objects.create(
        title="Tài liệu chung",
        file=ContentFile(SECRET, name="chung.pdf"),
        collection=Collection.get_first_root_node(),
    )
    return out


def _get(username: str | None, document) -> tuple[int, bytes]:
    client = Client()
    if username:
        force_login_verified(client, get_user_model().objects.get(username=username))
    response = client.get(document.url)
    body = b"".join(response) if getattr(response, "streaming", False) else response.content
    return response.status_code, body


@pytest.mark.parametrize("username", ["hn.giaovien", "hn.ketoan", "hn.hieutruong", "hn.quantri"])
def test_staff_of_one_school_cannot_download_another_schools_document(documents, username):
    status, body = _get(username, documents["THAD"])
    assert status == 403
    assert SECRET not in body
    assert REFUSAL in body.decode()


@pytest.mark.parametrize(
    ("username", "code"),
    [
        ("hn.giaovien", "THHN"),
        ("hn.ketoan", "THHN"),
        ("ad.hieutruong", "THAD"),
        ("thanh.tra", "THHN"),
        ("thanh.tra", "THAD"),
        ("phong.gd", "THAD"),
        ("admin", "THAD"),
    ],
)
def test_own_school_staff_and_authority_staff_download_the_school_document(
    documents, username, code
):
    status, body = _get(username, documents[code])
    assert status == 200
    assert body == SECRET


def test_a_document_of_no_school_is_refused_to_school_staff(documents):
    status, body = _get("hn.hieutruong", documents["root"])
    assert status == 403 and SECRET not in body
    assert _get("admin", documents["root"]) == (200, SECRET)


def test_an_anonymous_visitor_gets_no_document(documents):
    for document in documents.values():
        status, body = _get(None, document)
        assert status in (302, 403, 404)
        assert SECRET not in body
