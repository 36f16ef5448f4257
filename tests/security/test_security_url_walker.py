"""One walker over every URL pattern (issue #11): deny by default, scope, no write by a reader.

Every pattern of the URL resolver (admin, Wagtail's, the project's, API, documents,
media, exports) is filled with ids of two schools and requested by six kinds of
session: anonymous; password-only (a principal whose second factor is pending);
a teacher of school A; staff of school B; an inspector; the district office.

It asserts:
- no 500 for anyone, GET or POST;
- a password-only session is answered exactly as an anonymous visitor on public
  views, and sent to the second factor (or a JSON 403) everywhere else;
- nothing of school A's non-public records reaches school B's staff, and no draft
  reaches the authority (inspector, district office) or the other school: planted
  canaries in a draft title, a pupil's name and a group's name;
- a reader (anonymous, password-only, inspector, district office) writes nothing
  with a POST to any URL: no INSERT, UPDATE or DELETE outside the session, the
  lockout counters and the audit log of the refusal.

The per-role matrix of own-school expectations is test_security_permission_matrix.py;
the table of this walk is written to artifacts/security/url_walker.txt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.urls.exceptions import NoReverseMatch
from django_otp.plugins.otp_totp.models import TOTPDevice
from security_helpers import accounts_settings_override, force_login_verified, login_form
from test_security_permission_matrix import (
    _objects,
    _plant_canaries,
    build_kwargs,
    url_targets,
)

from accounts import access
from recordpages.demo.loader import DEMO_PASSWORD
from recordpages.models import LessonPlanPage, School, StaffProfile
from search.services import search_rebuild
from tests.conftest import load_small_district
from workflow.choices import State
from workflow.models import RecordState

ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "security" / "url_walker.txt"
DRAFT_MARK = "Nhapbimat"
# Tables a refused or anonymous request may write: its session, the lockout and
# second-factor throttling counters, the audit log that records the refusal, and
# the shared caches.
WRITE_ALLOWED = re.compile(
    r"^(django_session|axes_\w+|workflow_auditentry|workflow_auditchainhead"
    r"|accounts_accountsecurity|otp_totp_totpdevice|hoso_cache\w*|cache\w*)$"
)
WRITE_SQL = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


# What a reader may do on purpose: a password-only session types its code.
READER_ACTIONS = {"password-only": {"accounts:two_factor_verify"}}


@dataclass
class Kind:
    label: str
    username: str | None
    verified: bool = True
    reader: bool = False


KINDS = [
    Kind("anonymous", None, reader=True),
    Kind("password-only", "hn.hieutruong", verified=False, reader=True),
    Kind("teacher-A", "hn.giaovien"),
    Kind("staff-B", "ad.hieutruong"),
    Kind("inspector", "thanh.tra", reader=True),
    Kind("district-office", "phong.gd", reader=True),
]


@dataclass
class Walk:
    rows: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _session(kind: Kind) -> Client:
    client = Client(raise_request_exception=False)
    user = get_user_model().objects.filter(username=kind.username).first()
    if user is None:
        return client
    if kind.verified:
        force_login_verified(client, user)
    else:
        TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
        response = login_form(client, kind.username, DEMO_PASSWORD, ip="10.9.9.9")
        assert response.status_code == 302, "the password-only login did not go through"
    return client


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response)
    return response.content


def _plant_draft(school: School) -> str:
    """A draft lesson plan of the teacher of school A: only its writer and the people
    who will review it may see its title."""
    state = RecordState.objects.filter(
        school=school,
        record_type="lesson_plan",
        state=State.DRAFT,
        author__user__username="hn.giaovien",
    ).first()
    assert state is not None, "the demo has a draft lesson plan of hn.giaovien"
    plan = LessonPlanPage.objects.get(pk=state.page_id)
    # Lesson plan titles follow a scheme; the marks go into the text the writer typed.
    plan.adjustments = f"Ghi chú Bimatad {DRAFT_MARK}"  # found by the walk's ?q=Bimatad
    plan.save_revision(user=state.author.user)
    return plan.title


def _writes(queries) -> set[str]:
    tables = set()
    for query in queries:
        match = WRITE_SQL.match(query["sql"])
        if match and not WRITE_ALLOWED.match(match.group(2).lower()):
            tables.add(match.group(2))
    return tables


def _sent_to_step(response) -> bool:
    if response.status_code == 403:
        try:
            return response.json().get("error") == "authentication_step_required"
        except ValueError:
            return False
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:two_factor_verify")
    )


@pytest.mark.django_db
@accounts_settings_override(TWO_FACTOR_ENFORCED=True)
def test_every_url_by_six_kinds_of_session():
    load_small_district()
    school_a, school_b = School.objects.get(code="THHN"), School.objects.get(code="THAD")
    draft_title = _plant_draft(school_a)
    _plant_canaries(school_a)  # a pupil, a staff member, a group and the school plan of A
    objs = {"A": _objects(school_a, "other"), "B": _objects(school_b, "own")}
    # Staff below the principal on both sides: the district office resets principals'
    # credentials on purpose, and the walk asks every reader to reset these.
    for side, username in (("A", "hn.giaovien"), ("B", "ad.vanthu")):
        objs[side]["teacher_staff"] = StaffProfile.objects.get(user__username=username)
    a_title = objs["A"]["page"].get_admin_display_title()
    # What school B's staff must never see of A, and what no authority reader or
    # visitor may see of A's drafts.
    canary = [m.lower().encode() for m in ("Lotrinh", a_title, json.dumps(a_title)[1:-1])]
    draft = [m.lower().encode() for m in (DRAFT_MARK,)]
    search_rebuild()
    targets = url_targets()
    walk = Walk()
    writer_saw_draft = False
    anonymous_status: dict[str, int] = {}

    for kind in KINDS:
        client = _session(kind)
        for target in targets:
            for side in ("A", "B"):
                try:
                    kwargs, school_bound = build_kwargs(target, objs[side])
                    url = reverse(target.name, kwargs=kwargs)
                except NoReverseMatch:
                    break
                if not target.kwargs_names:
                    url += "?q=Bimatad"
                view_name = resolve(url.split("?")[0]).view_name
                where = f"{kind.label} {target.name} {url}"
                response = client.get(url)
                status = response.status_code
                walk.rows.append(f"{kind.label:16} GET  {side} {status} {target.name} {url}")
                body = _body(response).lower()
                if status >= 500:
                    walk.problems.append(f"CRASH GET {where}: {status}")
                if kind.label == "anonymous":
                    anonymous_status[url] = status
                if kind.label == "password-only":
                    if access.is_public(view_name):
                        if status != anonymous_status.get(url):
                            walk.problems.append(
                                f"PENDING {where}: {status}, a visitor gets "
                                f"{anonymous_status.get(url)}"
                            )
                    elif (
                        not access.opens_during(view_name, access.Step.VERIFY_SECOND_FACTOR)
                        and not _sent_to_step(response)
                        and status != 404  # an area switched off for everyone
                    ):
                        walk.problems.append(f"PENDING {where}: answered {status}")
                if status == 200 and kind.label == "staff-B" and any(m in body for m in canary):
                    walk.problems.append(f"SCOPE {where}: school A's data in the response")
                if status == 200 and any(m in body for m in draft):
                    if kind.label == "teacher-A":
                        writer_saw_draft = True
                    else:
                        walk.problems.append(f"DRAFT {where}: a draft of school A in the response")
                if kind.reader and target.name not in READER_ACTIONS.get(kind.label, ()):
                    with CaptureQueriesContext(connection) as queries:
                        posted = client.post(url, {"title": "x", "q": "x", "reason": "x"})
                    walk.rows.append(
                        f"{kind.label:16} POST {side} {posted.status_code} {target.name} {url}"
                    )
                    if posted.status_code >= 500:
                        walk.problems.append(f"CRASH POST {where}: {posted.status_code}")
                    written = _writes(queries.captured_queries)
                    if written:
                        walk.problems.append(f"WRITE POST {where}: wrote {sorted(written)}")
                if not school_bound:
                    break

    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(
        "\n".join(
            [
                f"{len(targets)} URL patterns, {len(KINDS)} kinds of session, "
                f"{len(walk.rows)} requests, {len(walk.problems)} problems",
                *walk.problems,
                "",
                *walk.rows,
            ]
        ),
        encoding="utf-8",
    )
    # The check above can fail: the draft's writer does find it among the URLs walked.
    assert writer_saw_draft, f"no response showed {draft_title!r} to its writer"
    assert not walk.problems, "\n".join(walk.problems[:200])
