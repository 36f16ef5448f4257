"""Helper of benchmarks/load.py, run with its environment: prints the URLs to drive and
session cookies of real sessions (the principal's already past the second factor)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,  # noqa: E402
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from wagtail.models import Page  # noqa: E402

from accounts.sessions import LOGIN_AT, SEEN_AT  # noqa: E402
from recordpages.models import SchoolPlanPage, StaffProfile  # noqa: E402
from workflow.choices import UNSUBMITTED_STATES  # noqa: E402
from workflow.models import RecordState  # noqa: E402
from workflow.services import write_refusal  # noqa: E402


def session_cookie(username: str, *, verified: bool = False) -> str:
    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.PermissionsBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    session[LOGIN_AT] = now
    # The benchmark outlasts nothing: a long idle allowance is not needed.
    session[SEEN_AT] = now
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="benchmark", defaults={"confirmed": True}
        )
        session["otp_device_id"] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


plan = SchoolPlanPage.objects.live().public().first()
teacher = StaffProfile.objects.get(user__username="hn.giaovien")


def editable_record():
    """A draft or returned record the teacher may open in the editor (a submitted or
    approved one sends the editor to its record screen instead): on 25/11 the
    teacher's lesson plans are approved, the học bạ of the class are drafts."""
    for state in RecordState.objects.filter(state__in=UNSUBMITTED_STATES).order_by("pk"):
        page = Page.objects.get(pk=state.pk).specific
        if page.permissions_for_user(teacher.user).can_edit():
            if write_refusal(page, teacher.user) is None:
                return page
    raise SystemExit("no record the teacher hn.giaovien may edit in the demo district")


lesson = editable_record()
print(f"public_plan={plan.url}")
print(f"editor=/admin/pages/{lesson.pk}/edit/")
print(f"teacher_cookie={session_cookie('hn.giaovien')}")
print(f"principal_cookie={session_cookie('hn.hieutruong', verified=True)}")
