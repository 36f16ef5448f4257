"""The shape of every write: an action checks, then executes in one transaction.

Modelled on Wagtail's `wagtail/actions/*.py`: an action is built with who acts and
what they ask, `check()` says no (a Vietnamese reason, nothing changed) or lets it
through, and `execute()` runs `check()` and `perform()` in one transaction, so that
the admin, a command and a test all behave the same. What leaves the database (an
event, a notification, an e-mail) is registered with `transaction.on_commit` by
`perform()`, and so leaves only if the write stands.

A refusal is evidence (R16): the base class writes it to the audit chain once,
after the rollback, whatever the action. When one action runs another, only the
outermost logs: the inner one's transaction is a savepoint of the outer's, and an
entry written there would vanish with the outer rollback, or be written twice.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any, ClassVar, Generic, TypeVar

from django.db import transaction
from django.db.models import QuerySet

from recordpages.permissions import get_scope
from workflow.audit import audit_append, client_ip
from workflow.models import RecordState

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# How many actions are executing in this thread / task, outermost first.
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("workflow_action_depth", default=0)


class ActionRefused(Exception):
    """A refusal with a Vietnamese message for the user; nothing was changed."""

    def __init__(
        self,
        message: str,
        *,
        school_id: int | None = None,
        object_type: str = "",
        object_id: Any = None,
        attempted: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.school_id = school_id
        self.object_type = object_type
        self.object_id = object_id
        self.attempted = attempted


# The name callers have used since the first transitions.
TransitionRefused = ActionRefused


class Action(Generic[Result]):
    """One write by one user. Subclasses set `name` (English, for the audit chain),
    keep their typed inputs in `__init__`, and implement `check()` and `perform()`.

    `check()` loads what it decides on (locked when inside the transaction) and
    records, in `school_id` and `object_id`, where a refusal belongs in the chain.
    """

    name: ClassVar[str] = ""
    object_type: ClassVar[str] = "record"
    # The audit action of a refused attempt: one for all, so that one query finds them.
    refusal_action: ClassVar[str] = "access.refused"

    def __init__(self, *, user, request=None):
        self.user = user
        self.request = request
        self.school_id: int | None = None
        self.object_id: Any = None

    # --- for subclasses ------------------------------------------------------------

    def check(self) -> None:
        """Raise ActionRefused (through `refuse`) if the action may not run now."""
        raise NotImplementedError

    def perform(self) -> Result:
        """The writes, after `check()` passed, inside the transaction."""
        raise NotImplementedError

    def refuse(self, message: str, *, attempted: str = "") -> ActionRefused:
        """The refusal to raise: `raise self.refuse(_("…"))`."""
        return ActionRefused(
            message,
            school_id=self.school_id,
            object_type=self.object_type,
            object_id=self.object_id,
            attempted=attempted or self.name,
        )

    def audit(
        self,
        *,
        action: str,
        summary: str = "",
        detail: dict | None = None,
        object_type: str = "",
        object_id: Any = None,
    ) -> None:
        """The one audit entry of a successful action (about what it made, if it made
        something other than what it was asked about)."""
        object_id = self.object_id if object_id is None else object_id
        audit_append(
            action=action,
            school_id=self.school_id,
            actor=self.user,
            object_type=object_type or self.object_type,
            object_id=object_id if object_id is not None else "",
            summary=summary,
            detail=detail,
            ip=client_ip(self.request),
        )

    # --- the one way to run it ---------------------------------------------------

    def execute(self) -> Result:
        outermost = _depth.get() == 0
        token = _depth.set(_depth.get() + 1)
        try:
            with transaction.atomic():
                self.check()
                return self.perform()
        except ActionRefused as refusal:
            if outermost:
                self._log_refusal(refusal)
            raise
        finally:
            _depth.reset(token)

    def _log_refusal(self, refusal: ActionRefused) -> None:
        """Outside the rolled-back transaction: the refusal stays when the write goes."""
        user = self.user if getattr(self.user, "pk", None) else None
        school_id = refusal.school_id
        if school_id is None and user is not None:
            # Nothing was found to refuse about (a wrong id): the actor's school's chain.
            school_id = get_scope(user).school_id
        try:
            audit_append(
                action=self.refusal_action,
                school_id=school_id,
                actor=user,
                object_type=refusal.object_type or self.object_type,
                object_id=refusal.object_id if refusal.object_id is not None else "",
                summary=f"{refusal.attempted or self.name}: {refusal.message}"[:300],
                ip=client_ip(self.request),
            )
        except Exception:  # noqa: BLE001 - a failing log must not hide the refusal's reason
            logger.exception("Could not log a refused %s by %s", self.name, user)


# --- helpers the record actions share --------------------------------------------------


def for_update(query: QuerySet) -> QuerySet:
    """Lock the rows read for the transaction where the database can (SELECT … FOR
    UPDATE; SQLite serialises writers anyway). Outside a transaction (a `check()`
    asked by a screen) they are read without a lock."""
    connection = transaction.get_connection()
    if connection.features.has_select_for_update and connection.in_atomic_block:
        return query.select_for_update(of=("self",))
    return query


def lock_record(page_id: int) -> RecordState:
    """The record's state row, locked for the transaction."""
    return for_update(RecordState.objects.select_related("group", "school_class", "school")).get(
        pk=page_id
    )
