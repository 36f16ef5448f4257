"""A record's state, reached through the workflow's services, never by writing the row.

`take_to(page, state)` walks the record's declared path (returns included, so
"returned" is reachable) and, for "correcting", opens a correction the way a school
does it: someone the policy lets ask, the principal consents. Each step is taken by
the first member of the record's school (then of its authority) whom the policy
allows, so the revision, version, times, history and audit entries are the services'
own and a path the policy forbids fails here instead of being written anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from contextlib import nullcontext

from recordpages.models import StaffProfile
from workflow import events, policy
from workflow.choices import APPROVED_STATES, State
from workflow.models import RecordState
from workflow.services import (
    correction_decide,
    correction_request,
    record_state_sync,
    record_transition,
)

_CORRECTION_REASON = "Sửa lỗi nhập liệu theo đề nghị bằng văn bản."
_RETURN_REASON = "Cần bổ sung nội dung theo góp ý."


def path_to(record: RecordState, targets: Collection[str]) -> list[str]:
    """The steps of the record's declared path from where it stands to the nearest of
    `targets` (breadth-first, so the shortest; a return is a step like any other)."""
    paths: dict[str, list[str]] = {record.state: []}
    queue = [record.state]
    while queue:
        state = queue.pop(0)
        if state in targets:
            return paths[state]
        for step in record.rules.steps:
            if state in step.source and step.target not in paths:
                paths[step.target] = [*paths[state], step.name]
                queue.append(step.target)
    raise ValueError(f"{record.record_type} cannot reach {sorted(targets)} from {record.state!r}.")


def _people(record: RecordState) -> list:
    """The record's school first, then the district office: the order a step is
    offered in, so the same person takes it every run."""
    staff = StaffProfile.objects.select_related("user").order_by("pk")
    school = staff.filter(school_id=record.school_id)
    authority = staff.filter(school__isnull=True)
    return [profile.user for profile in [*school, *authority]]


def _first(people: list, may: Callable[[object], bool], what: str):
    actor = next((user for user in people if may(user)), None)
    if actor is None:
        raise LookupError(f"Nobody in the school may {what}.")
    return actor


def take_to(
    page, state: str, *, now: dt.datetime | None = None, mute_events: bool = True
) -> RecordState:
    """Take the record to `state` through `workflow.services`, step by step, each by a
    person the policy allows. Events are muted by default, as in a bulk load: a test
    about what an event does sends it, or passes `mute_events=False`."""
    record = record_state_sync(page)
    people = _people(record)
    targets = list(APPROVED_STATES) if state == State.CORRECTING else [state]
    with events.muted() if mute_events else nullcontext():
        for step in path_to(record, targets):
            record = RecordState.objects.get(pk=page.pk)
            actor = _first(
                people,
                lambda user, step=step, record=record: policy.refusal(user, record, step) is None,
                f"{step} {record.record_type}",
            )
            reason = _RETURN_REASON if record.rules.step(step).needs_reason else ""
            record_transition(user=actor, page_id=page.pk, transition=step, reason=reason, now=now)
            # A step that carries several signatures (the principal's, then the
            # clerk's seal) is taken by each signer in turn.
            for _turn in range(len(record.rules.signature_steps)):
                after = RecordState.objects.get(pk=page.pk)
                if after.state != record.state:
                    break
                actor = _first(
                    people,
                    lambda user, step=step, record=after: (
                        policy.refusal(user, record, step) is None
                    ),
                    f"{step} {record.record_type}",
                )
                record_transition(user=actor, page_id=page.pk, transition=step, now=now)
        if state == State.CORRECTING:
            _open_correction(page.pk, people)
    return RecordState.objects.get(pk=page.pk)


def _open_correction(page_id: int, people: list) -> None:
    record = RecordState.objects.get(pk=page_id)
    requester = _first(
        people,
        lambda user: policy.may_request_correction(user, record),
        "request a correction",
    )
    correction = correction_request(user=requester, page_id=page_id, reason=_CORRECTION_REASON)
    principal = _first(
        people,
        lambda user: policy.may_consent_correction(user, record),
        "consent to a correction",
    )
    correction_decide(user=principal, correction_id=correction.pk, consent=True)
