"""What the paper form of each record says beside its content: the verification
address in its QR code and link, fields that do not run into each other, and the
signature blocks its signer chain asks for (issue 15, "PDF details")."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from pypdf import PdfReader

from archive import signing
from archive.documents import build_header, document_number, record_spec
from archive.rendering import (
    Footer,
    qr_data_uri,
    render_html,
    render_record,
    render_record_with_boxes,
)
from cms.addresses import qr_base
from recordpages import registry
from recordpages.registry import Actor
from signatures.services import chain_of

pytestmark = pytest.mark.django_db
needs_poppler = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed"
)

RECORD_TYPES = [
    "student_record",
    "class_summary",
    "lesson_plan",
    "enrollment_register",
    "school_plan",
    "group_plan",
    "other",
]
ISSUED = dt.date(2026, 11, 30)
PUBLIC = "https://hoso.duongkinh.edu.vn"
ROOT = Path(__file__).resolve().parents[2]


def _frozen(school_data, record_type: str):
    state = school_data.states[record_type]
    page = school_data.records[record_type]
    frozen = state.approved_revision.as_object() if state.approved_revision_id else page
    return state, frozen, Footer(page.pk, 1, "a" * 64, "MAXACTHUC1")


def _blocks(state) -> list[tuple[str, str]]:
    return [(step.pdf_field, str(step.label)) for step in chain_of(state)]


def _text(pdf: bytes, *layout: str) -> str:
    return subprocess.run(
        ["pdftotext", *layout, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def _signature_cells(html: str) -> list[tuple[str, str]]:
    """(title, note) of each signature block the form's HTML draws."""
    cells = re.findall(r'<div class="role">(.*?)</div><div class="note">(.*?)</div>', html)
    assert cells, "no signature block drawn"
    return cells


# --- 2. the QR code and the link --------------------------------------------------------


@needs_poppler
def test_qr_code_and_verification_link_carry_the_configured_public_address(school_data, settings):
    settings.ARCHIVE = {**settings.ARCHIVE, "PUBLIC_BASE_URL": PUBLIC + "/"}
    _state, frozen, footer = _frozen(school_data, "lesson_plan")
    expected = f"{PUBLIC}/xac-thuc/MAXACTHUC1/"
    assert footer.verify_url == expected
    spec = record_spec(frozen)
    header = build_header(
        frozen.school, number="1", issued_on=ISSUED, school_year=frozen.school_year
    )
    html = render_html(spec, header=header, footer=footer)
    assert qr_data_uri(expected) in html  # the QR code encodes exactly this address
    text = _text(render_record(frozen, footer=footer, issued_on=ISSUED), "-layout")
    assert expected in text
    assert "127.0.0.1" not in text


def test_production_takes_the_public_address_from_the_site_address():
    result = _production_settings({})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["PUBLIC_BASE_URL"] == "https://hoso.example.vn"


def test_production_refuses_to_start_with_a_loopback_public_address():
    result = _production_settings({"ARCHIVE_PUBLIC_BASE_URL": "http://127.0.0.1:8000"})
    assert result.returncode != 0
    assert "ARCHIVE_PUBLIC_BASE_URL" in result.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost", "hoso.example.vn", "", "http://[::1]/"]
)
def test_public_address_must_be_reachable_in_production(url):
    with pytest.raises(ImproperlyConfigured, match="WAGTAILADMIN_BASE_URL"):
        qr_base(url, production=True)
    assert qr_base(url) == url.rstrip("/")  # development serves where it runs
    assert qr_base(PUBLIC + "/", production=True) == PUBLIC


def _production_settings(extra: dict[str, str]) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DATABASE_URL": "postgres://hoso:secret@db:5432/hoso",
        "ALLOWED_HOSTS": "hoso.example.vn",
        "WAGTAILADMIN_BASE_URL": "https://hoso.example.vn",
        "SECRET_KEY": "k" * 24 + "-Qz7!rT9#mW2$pL5^vB8&nX4*cJ6(hF3)",
        "SIGNING_BACKEND": "pkcs12",
        "SIGNING_PKCS12_DIR": "/run/secrets/signing",
        "SIGNING_TRUST_ROOTS": "/run/secrets/signing/trust-roots.pem",
        "TSA_URL": "https://tsa.example.vn/tsa",
        **extra,
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'PUBLIC_BASE_URL': s.ARCHIVE['PUBLIC_BASE_URL']}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- 3. no glued fields ------------------------------------------------------------------

# A date run into the word after it: "30/11/2026Thời gian".
GLUED_DATE = re.compile(r"\d{2}/\d{2}/\d{4}[^\W\d_]")


@needs_poppler
def test_lesson_plan_dates_do_not_run_into_the_next_label(school_data):
    _state, frozen, footer = _frozen(school_data, "lesson_plan")
    pdf = render_record(frozen, footer=footer, issued_on=ISSUED)
    layout = _text(pdf, "-layout")
    prepared = re.search(r"Thời gian xây dựng kế hoạch: (\d{2}/\d{2}/\d{4})(.*)$", layout, re.M)
    assert prepared, layout
    assert prepared.group(2).strip() == ""  # the date ends its line
    assert re.search(r"^\s*Thời gian thực hiện: \d{2}/\d{2}/\d{4}", layout, re.M)
    # Text extraction without layout (search, screen readers, copy and paste).
    extracted = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert not GLUED_DATE.findall(extracted), GLUED_DATE.findall(extracted)


@needs_poppler
def test_no_date_runs_into_the_next_word_on_any_form(school_data):
    for record_type in RECORD_TYPES:
        state, frozen, footer = _frozen(school_data, record_type)
        pdf, _boxes = render_record_with_boxes(
            frozen, footer=footer, issued_on=ISSUED, blocks=_blocks(state)
        )
        for page in PdfReader(io.BytesIO(pdf)).pages:
            assert not GLUED_DATE.findall(page.extract_text()), record_type
        assert not GLUED_DATE.findall(_text(pdf)), record_type


# --- 4. signature blocks -----------------------------------------------------------------


def _steps(frozen):
    return registry.for_record(frozen).signature_steps


def test_only_the_seal_or_the_principal_asks_for_the_stamp(school_data):
    """A teacher's (any person's but the principal's) block says "(Ký, ghi rõ họ tên)";
    "đóng dấu" is the seal's, or on paper without a seal step the principal's, who
    stamps it. Every record type, on paper and on the signers' file."""
    for record_type in RECORD_TYPES:
        _check_stamp_notes(school_data, record_type)


def _check_stamp_notes(school_data, record_type: str) -> None:
    state, frozen, footer = _frozen(school_data, record_type)
    spec = record_spec(frozen)
    header = build_header(
        frozen.school,
        number=document_number(frozen, 1),
        issued_on=ISSUED,
        school_year=frozen.school_year,
    )
    steps = _steps(frozen)
    # Who may stamp: the seal, and the principal (who presses it on paper).
    may_stamp = {str(s.label).casefold() for s in steps if s.seal or Actor.PRINCIPAL in s.by}
    may_stamp |= {"hiệu trưởng", "chữ ký số của nhà trường"}
    persons = {str(s.label).casefold() for s in steps if not s.seal and Actor.PRINCIPAL not in s.by}
    for extra in (None, {"signature_blocks": _blocks(state)}):
        html = render_html(spec, header=header, footer=footer, extra=extra)
        for title, note in _signature_cells(html):
            if "đóng dấu" in note.casefold():
                assert title.casefold() in may_stamp, (record_type, title, note)
            if title.casefold() in persons:
                assert note == "(Ký, ghi rõ họ tên)", (record_type, title, note)
    paper = _signature_cells(render_html(spec, header=header, footer=footer))
    assert (str(steps[0].label), "(Ký, ghi rõ họ tên)") in paper, paper


@needs_poppler
@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_step_of_the_chain_has_its_block_before_and_after_signing(school_data, record_type):
    """The approver's block (every declared step's) is on the form printed without the
    signers' file, on the signers' file, and on both once the school has signed them."""
    state, frozen, footer = _frozen(school_data, record_type)
    paper = render_record(frozen, footer=footer, issued_on=ISSUED)
    chain, _boxes = render_record_with_boxes(
        frozen, footer=footer, issued_on=ISSUED, blocks=_blocks(state)
    )
    declared = [str(step.label).casefold() for step in _steps(frozen)]
    assert any("duyệt" in label or "hiệu trưởng" in label for label in declared), declared
    for name, pdf in (("paper", paper), ("chain", chain)):
        signed = signing.sign_pdf(pdf, school=frozen.school, reason="Lưu trữ").pdf
        for when, data in (("before", pdf), ("after", signed)):
            text = _flat(_text(data))
            missing = [label for label in declared if label not in text]
            assert not missing, (record_type, name, when, missing)


def test_make_run_prints_its_address_and_freezes_with_it(tmp_path):
    """`make run` (scripts/serve-dev) says where it serves and what QR codes will print,
    and its server and workers print that address, not 127.0.0.1:8000, on another port."""
    (tmp_path / "var").mkdir()
    fake_python = tmp_path / "python"
    fake_python.write_text('#!/bin/sh\necho "$3 sees $WAGTAILADMIN_BASE_URL"\necho "ran: $*"\n')
    fake_python.chmod(0o755)
    environment = {"PATH": os.environ.get("PATH", ""), "PY": str(fake_python)}
    environment |= {"HOST": "192.168.1.20", "PORT": "8123"}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "serve-dev")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Serving http://192.168.1.20:8123/" in result.stdout
    assert "verification links print http://192.168.1.20:8123/xac-thuc/" in result.stdout
    assert "192.168.1.20:8123 sees http://192.168.1.20:8123" in result.stdout
    # Without the autoreloader unless RELOAD=1 (it costs a share of a core while idle).
    assert "ran: manage.py runserver 192.168.1.20:8123 --noreload" in result.stdout
    worker_log = (tmp_path / "var" / "archive_worker.log").read_text()
    assert "sees http://192.168.1.20:8123" in worker_log
