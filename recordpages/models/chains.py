"""A school's own signer chains: what its principal added to a record type's chain.

Issue 13: "a principal may adjust the chains within what the regulation allows (never
fewer reviews)". The declared chain (recordpages.chains, on the page class) stays as
it is; a school may only *add* to it:

- an extra personal signature (a vice-principal's, the group leader's, the
  principal's) made during one of the path's review steps, before the seal;
- one round of two consecutive signatures of the same path step (sign in any order)
  instead of one after the other, and back.

Nothing declared is removed or reordered and the seal stays last: `SchoolChain.clean`
checks the composed chain against the declared one, whatever the form sent.

The registry applies these rows (`registry.for_record`) through a hook set here, so
that the registry keeps importing no model. Loading costs one query per school per
request (a list page of many records pays it once), or per record outside requests.
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.signals import request_finished, request_started
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recordpages import chains as c
from recordpages import registry as r
from recordpages.registry import Actor, Bar, RecordType

# Who an added signature may be: extra reviews by the school's leadership (R3).
ADDABLE_ACTORS: tuple[Actor, ...] = (
    Actor.VICE_PRINCIPAL,
    Actor.ASSIGNED_VP,
    Actor.GROUP_LEADER,
    Actor.PRINCIPAL,
)
ADDED_FIELD = re.compile(r"^bo_sung_\d+$")
MAX_LABEL = 80


class SchoolChain(models.Model):
    """One school's additions to the signer chain of one record type."""

    school = models.ForeignKey(
        "recordpages.School", verbose_name=gettext_lazy("trường"), on_delete=models.CASCADE
    )
    record_type = models.CharField(gettext_lazy("loại hồ sơ"), max_length=32, choices=r.choices)
    # [{"field": "bo_sung_1", "label": "Phó hiệu trưởng", "on": "approve", "actor": ...}]
    additions = models.JSONField(default=list, blank=True)
    # Fields (declared or added) that sign in one round with the next.
    parallel = models.JSONField(default=list, blank=True)
    # Added fields are never reused: a record's `signatures_made` may still name one.
    next_number = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("quy trình ký của trường")
        verbose_name_plural = gettext_lazy("quy trình ký của trường")
        constraints = [
            models.UniqueConstraint(fields=["school", "record_type"], name="unique_school_chain")
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {self.record_type}"

    @property
    def rules(self) -> RecordType:
        return r.get(self.record_type)

    def steps(self) -> tuple[c.SignatureStep, ...]:
        return compose(self.rules, self.additions, self.parallel)

    def clean(self) -> None:
        super().clean()
        try:
            rules = self.rules
        except LookupError:
            raise ValidationError(_("Loại hồ sơ không tồn tại.")) from None
        _check_additions(rules, self.additions)
        steps = compose(rules, self.additions, [])
        _check_parallel(steps, self.parallel)
        _check_keeps_declared(rules.signature_steps, compose(rules, self.additions, self.parallel))

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        _forget(self.school_id)

    def delete(self, *args, **kwargs):
        school_id = self.school_id
        result = super().delete(*args, **kwargs)
        _forget(school_id)
        return result


# --- the composed chain ------------------------------------------------------------


def addable_steps(rules: RecordType) -> tuple[r.Step, ...]:
    """The path steps an extra signature may be made in: the reviews, not the return,
    taken before the record is frozen (a later signature would miss the archived file)."""
    return tuple(
        step
        for step in rules.steps
        if step.name != r.RETURN and step.is_review and not step.source & rules.freeze_on
    )


def compose(
    rules: RecordType, additions: list[dict[str, Any]], parallel: list[str]
) -> tuple[c.SignatureStep, ...]:
    """The declared chain with the additions put after the signatures of their path step
    (and of the steps before it), before the seal; then the chosen rounds."""
    order = {step.name: n for n, step in enumerate(rules.steps)}
    steps = list(rules.signature_steps)
    for addition in additions:
        added = c.SignatureStep(
            str(addition["field"]),
            str(addition["label"]),
            str(addition["on"]),
            (Actor(addition["actor"]),),
            bar=Bar.WRITERS,  # an extra review: never by who wrote the record
        )
        where = order.get(added.on, len(order))
        at = 0
        for n, step in enumerate(steps):
            if not step.seal and order.get(step.on, -1) <= where:
                at = n + 1
        steps.insert(at, added)
    chosen = set(parallel)
    return tuple(
        replace(step, parallel_with_next=True) if step.field in chosen else step for step in steps
    )


def _check_additions(rules: RecordType, additions: list[dict[str, Any]]) -> None:
    allowed = {step.name for step in addable_steps(rules)}
    taken = {step.field for step in rules.signature_steps}
    for addition in additions:
        on, field = addition.get("on"), str(addition.get("field", ""))
        if on not in allowed:
            raise ValidationError(
                _("Quy trình của loại hồ sơ này không có bước duyệt «%(step)s» để thêm chữ ký.")
                % {"step": r.STEP_LABELS.get(on, on)}
            )
        if addition.get("actor") not in ADDABLE_ACTORS:
            raise ValidationError(
                _("Chữ ký thêm chỉ có thể của hiệu trưởng, phó hiệu trưởng hoặc tổ trưởng.")
            )
        label = str(addition.get("label", "")).strip()
        if not label or len(label) > MAX_LABEL:
            raise ValidationError(_("Cần ghi chức danh người ký (tối đa 80 ký tự)."))
        if not ADDED_FIELD.match(field) or field in taken:
            raise ValidationError(_("Bước ký thêm không hợp lệ."))
        taken.add(field)


def _check_parallel(steps: tuple[c.SignatureStep, ...], parallel: list[str]) -> None:
    fields = [step.field for step in steps]
    for field in parallel:
        if field not in fields:
            raise ValidationError(_("Bước ký không có trong quy trình."))
        n = fields.index(field)
        step = steps[n]
        following = steps[n + 1] if n + 1 < len(steps) else None
        if step.seal or following is None or following.seal:
            raise ValidationError(
                _("Con dấu của trường luôn là bước ký sau cùng: không ký cùng lượt được.")
            )
        if following.on != step.on:
            raise ValidationError(
                _("Chỉ hai chữ ký liền nhau trong cùng một bước duyệt mới ký cùng lượt được.")
            )


def _check_keeps_declared(
    declared: tuple[c.SignatureStep, ...], steps: tuple[c.SignatureStep, ...]
) -> None:
    """Every declared signature, in its order, unchanged but for a round; the seal last."""
    kept = [
        replace(step, parallel_with_next=False)
        for step in steps
        if step.field in {d.field for d in declared}
    ]
    if kept != [replace(step, parallel_with_next=False) for step in declared] or any(
        d.parallel_with_next and not s.parallel_with_next
        for d in declared
        for s in steps
        if s.field == d.field
    ):
        raise ValidationError(_("Không được bỏ hay đổi thứ tự các bước ký đã quy định."))
    if any(step.seal for step in steps) and not steps[-1].seal:
        raise ValidationError(_("Con dấu của trường phải là bước ký sau cùng."))


# --- applying it: registry.for_record ----------------------------------------------

# Per request (per thread): {school_id: {record_type: adjusted rules}}. None outside a
# request: a command or a task reads the rows fresh, another process may have changed them.
_memo = threading.local()


def _start(**kwargs) -> None:
    _memo.schools = {}


def _end(**kwargs) -> None:
    _memo.schools = None


def _forget(school_id: int | None) -> None:
    schools = getattr(_memo, "schools", None)
    if schools is not None:
        schools.pop(school_id, None)


request_started.connect(_start, dispatch_uid="recordpages.school_chains.start")
request_finished.connect(_end, dispatch_uid="recordpages.school_chains.end")


def school_types(school_id: int) -> dict[str, RecordType]:
    """The record types a school changed, with its chains applied: one query."""
    schools = getattr(_memo, "schools", None)
    if schools is not None and school_id in schools:
        return schools[school_id]
    adjusted = {}
    for row in SchoolChain.objects.filter(school_id=school_id):
        if row.record_type in r.codes():
            adjusted[row.record_type] = replace(row.rules, signature_steps=row.steps())
    if schools is not None:
        schools[school_id] = adjusted
    return adjusted


def school_rules(rules: RecordType, school_id: int | None) -> RecordType:
    """A registry type's rules as a school applies them (its categories are its own)."""
    if not school_id or rules.category_id is not None:
        return rules
    return school_types(school_id).get(rules.code, rules)


def _for_record(rules: RecordType, record: Any) -> RecordType:
    school_id = getattr(record, "school_id", None)
    if not school_id:
        return rules
    # The policy asks a record's rules several times per step: once per instance.
    cached = getattr(record, "__dict__", {}).get("_school_rules")
    if cached is not None and cached[0] == (school_id, rules.code):
        return cached[1]
    adjusted = school_rules(rules, school_id)
    if hasattr(record, "__dict__"):
        record.__dict__["_school_rules"] = ((school_id, rules.code), adjusted)
    return adjusted


r.apply_school_chains_with(_for_record)
