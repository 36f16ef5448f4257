"""What is stored or sent to other people is written in the project language (issue 12).

The interface follows the user's admin language, but a record's composed title (the
page title, archived and searched) and the e-mails to colleagues are written in
Vietnamese whatever language the acting user's screens are in. The project ships no
English catalogue, so the tests add English entries for the msgids they use: without
the project-language override these entries would leak into the data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import translation
from django.utils.translation import gettext, trans_real

from recordpages import registry
from tests.factories import school_world
from workflow import services
from workflow.models import RecordState

ENGLISH = {
    "Học bạ – %(pupil)s – Lớp %(class)s – %(year)s": (
        "Student record – %(pupil)s – Class %(class)s – %(year)s"
    ),
    "[Hồ sơ chuyên môn] Có hồ sơ chờ kiểm tra, duyệt: %(title)s": (
        "[Records] Waiting for review: %(title)s"
    ),
}


@pytest.fixture
def english_admin() -> Iterator[None]:
    """The acting user's admin is in English, and English has entries for our msgids."""
    catalog = trans_real.translation("en")._catalog._catalogs[0]
    catalog.update(ENGLISH)
    try:
        with translation.override("en"):
            yield
    finally:
        for msgid in ENGLISH:
            catalog.pop(msgid, None)


@pytest.fixture
def world(db):
    return school_world()


def test_the_english_entries_are_in_effect(english_admin):
    # Guards the two tests below: the English entries really translate.
    assert gettext("[Hồ sơ chuyên môn] Có hồ sơ chờ kiểm tra, duyệt: %(title)s") == (
        "[Records] Waiting for review: %(title)s"
    )


def test_a_composed_title_is_stored_in_vietnamese_under_an_english_admin(world, english_admin):
    page = world.records["student_record"].specific
    page.title = "x"

    page.save()

    page.refresh_from_db()
    assert page.title == (
        f"Học bạ – {page.pupil.full_name} – Lớp {page.school_class.name} – {page.year_name}"
    )


def test_an_email_is_written_in_vietnamese_under_an_english_admin(world, english_admin):
    plan = RecordState.objects.get(pk=world.records["school_plan"].pk)
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        services.record_transition(
            user=world.user("hn.phohieutruong"), page_id=plan.pk, transition=registry.SUBMIT
        )

    plan.refresh_from_db()
    assert plan.state == registry.State.SUBMITTED
    assert [m.subject for m in mail.outbox] == [
        f"[Hồ sơ chuyên môn] Có hồ sơ chờ kiểm tra, duyệt: {plan.page.title}"
    ]
    assert mail.outbox[0].body.startswith("Kính gửi thầy/cô,\n\nHồ sơ “")
