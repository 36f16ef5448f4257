"""The demo tells the truth: no rendered record, on screen or on paper, shows a Python
value where a field is empty ("None (None phút) / None / None" in the activity table of
every approved lesson plan, issue 15).

The demo district is loaded once for the module, two schools small (every record type
reaches every state of its path, as in tests/workflow/test_demo_states.py), and moved
through the workflow. Each record is then rendered three ways (its record page in the
admin, its Wagtail preview, the HTML of its paper form with and without its chain's
signature blocks), and a few of them are frozen and signed for real and read back with
pdftotext.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import time
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.test import Client

from archive import services as archive_services
from archive import storage
from archive.documents import build_header, document_number, record_spec
from archive.models import ArchivedVersion
from archive.rendering import Footer, render_html
from recordpages.demo.loader import Options, load_demo_district
from recordpages.models import RoleCode, StaffProfile
from signatures.demo import bind_demo_certificates
from signatures.services import chain_of
from tests.conftest import DEMO_TODAY, kept_for_module
from workflow.demo import apply_demo_states
from workflow.models import RecordState

pytestmark = pytest.mark.django_db

# A value the template printed instead of leaving the field empty.
LEAKS = re.compile(r"\bNone\b|\bnan\b|\bnull\b|\[\]|\( ?phút\)|\bNaN\b|\bundefined\b")
# Demo text that stands in for content ("Chủ đề 3", "Bài 12") and sections printed
# with a heading and nothing under it.
PLACEHOLDERS = re.compile(r"Chủ đề \d+\b|\bBài \d+\b(?!:)|\bTODO\b|Lorem ipsum")
EMPTY_SECTION = re.compile(
    r"<h[234][^>]*>[^<]+</h[234]>\s*(?:<div class=\"richtext\">\s*</div>|</section>)"
)
# How many records of each (type, state) are rendered: all of them would repeat the
# same templates on the same data for 40 s more.
PER_TYPE_AND_STATE = 3


class _VisibleText(HTMLParser):
    """What a reader sees: text outside <script>, <style> and <template>."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def leaks(text: str) -> list[str]:
    return [text[max(0, m.start() - 60) : m.end() + 20] for m in LEAKS.finditer(text)]


def placeholders(html: str) -> list[str]:
    found = [m.group(0) for m in EMPTY_SECTION.finditer(html)]
    return found + [m.group(0) for m in PLACEHOLDERS.finditer(visible_text(html))]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Last year's finished grade 5 and this year's grades 1 and 4 of two schools, moved
    through the workflow as `make demo` does; the records sampled per type and state."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            started = time.monotonic()
            small = {"schools": 2, "min_pupils": 2, "max_pupils": 2, "bulk_index": False}
            load_demo_district(
                Options(
                    today=dt.date(2026, 5, 31),
                    grades=(5,),
                    classes_per_grade=(1, 1),
                    lesson_weeks=1,
                    **small,
                )
            )
            load_demo_district(
                Options(
                    today=DEMO_TODAY,
                    grades=(1, 4),
                    # Two classes: a teacher who is not the group leader, whose plans
                    # the leader checks and the principal approves.
                    classes_per_grade=(2, 2),
                    lesson_weeks=3,
                    **small,
                )
            )
            bind_demo_certificates()
            apply_demo_states(DEMO_TODAY)
            sample: dict[tuple[str, str], list[int]] = defaultdict(list)
            for record in RecordState.objects.order_by("pk"):
                key = (record.record_type, record.state)
                if len(sample[key]) < PER_TYPE_AND_STATE:
                    sample[key].append(record.pk)
            print(f"\ndemo loaded in {time.monotonic() - started:.1f} s")
            yield {key: pks for key, pks in sample.items()}


def _records(demo) -> list[RecordState]:
    pks = [pk for pks in demo.values() for pk in pks]
    return list(
        RecordState.objects.filter(pk__in=pks)
        .select_related("page", "school", "approved_revision")
        .order_by("pk")
    )


def _principal(school_id: int) -> StaffProfile:
    return (
        StaffProfile.objects.filter(school_id=school_id, roles__code=RoleCode.PRINCIPAL)
        .select_related("user")
        .order_by("pk")
        .first()
    )


def _shown(record: RecordState):
    """What the paper form prints: the approved revision once there is one."""
    page = record.page.specific
    if record.approved_revision_id:
        return record.approved_revision.as_object()
    return page


def test_demo_reaches_every_record_type_in_several_states(demo):
    types = {record_type for record_type, _state in demo}
    assert {"lesson_plan", "group_plan", "school_plan", "other", "student_record"} <= types
    assert ("lesson_plan", "approved") in demo, [k for k in sorted(demo) if k[0] == "lesson_plan"]


def test_no_record_page_shows_none_a_placeholder_or_an_empty_section(demo):
    """The record page (record_detail) and the page's own template (Wagtail preview),
    as the school's principal sees them."""
    found, rendered, started = {}, 0, time.monotonic()
    clients: dict[int, Client] = {}
    for record in _records(demo):
        if record.school_id not in clients:
            clients[record.school_id] = Client()
            clients[record.school_id].force_login(_principal(record.school_id).user)
        client = clients[record.school_id]
        response = client.get(f"/admin/ho-so/{record.pk}/")
        assert response.status_code == 200, record.pk
        page = record.page.specific
        preview = page.make_preview_request(preview_mode=page.default_preview_mode)
        if hasattr(preview, "render"):
            preview.render()
        assert preview.status_code == 200, record.pk
        for where, html in (
            ("record_detail", response.content.decode()),
            ("preview", preview.content.decode()),
        ):
            bad = leaks(visible_text(html)) + placeholders(html)
            if bad:
                found[(record.record_type, record.state, record.pk, where)] = bad[:3]
        if record.record_type == "lesson_plan":
            # The activity table is on the record page (the public page shows a plan
            # only once the principal publishes it).
            assert "Khởi động" in visible_text(response.content.decode()), record.pk
        rendered += 1
    print(f"\n{rendered} records on screen in {time.monotonic() - started:.1f} s")
    assert found == {}


def test_no_paper_form_shows_none_a_placeholder_or_an_empty_section(demo):
    """The HTML of each record's paper form, as the archive freezes it (no signature
    blocks) and as the signers' file draws it (one block per chain step)."""
    found, rendered, started = {}, 0, time.monotonic()
    for record in _records(demo):
        frozen = _shown(record)
        spec = record_spec(frozen)
        header = build_header(
            frozen.school,
            number=document_number(frozen, 1),
            issued_on=dt.date(2026, 11, 30),
            school_year=frozen.school_year,
        )
        footer = Footer(record.pk, max(record.version, 1), "0" * 64, "MAXACTHUC1")
        blocks = [(step.pdf_field, str(step.label)) for step in chain_of(record)]
        for where, extra in (("paper", None), ("chain", {"signature_blocks": blocks})):
            html = render_html(spec, header=header, footer=footer, extra=extra)
            bad = leaks(visible_text(html)) + placeholders(html)
            if bad:
                found[(record.record_type, record.state, record.pk, where)] = bad[:3]
        rendered += 1
    print(f"\n{rendered} paper forms in {time.monotonic() - started:.1f} s")
    assert found == {}


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) not installed")
def test_signed_pdfs_of_the_demo_show_no_none(demo):
    """A frozen, signed record of each type that freezes in the demo: its PDF's text."""
    records = {}
    for record in RecordState.objects.order_by("pk"):
        if record.record_type in records or not archive_services.should_freeze(
            record, record.state
        ):
            continue
        records[record.record_type] = record
    assert "lesson_plan" in records, sorted(records)
    for record in records.values():
        archive_services.freeze_enqueue(record_state=record, transition="test")
    started = time.monotonic()
    archive_services.run_once()
    print(f"\n{len(records)} records frozen and signed in {time.monotonic() - started:.1f} s")
    found = {}
    for record_type, record in records.items():
        archived = ArchivedVersion.objects.get(page_ref=record.pk, version=record.version)
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=storage.get_store().get(archived.key),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert text.strip(), record_type
        bad = leaks(text)
        if bad:
            found[record_type] = bad[:3]
    assert found == {}
