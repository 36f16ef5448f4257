"""Changes a principal makes to the school's signer chains (issue 13): checked so
that no declared signature is dropped or reordered and the seal stays last (never
fewer reviews), and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from recordpages import registry
from recordpages.models import School, SchoolChain
from workflow.audit import audit_append


@transaction.atomic
def chain_change(*, user, school: School, record_type: str, data) -> SchoolChain:
    """One adjustment of a school's chain, checked (never fewer reviews) and audited."""
    if record_type not in registry.codes():
        raise ValidationError(_("Loại hồ sơ không tồn tại."))
    row, _created = SchoolChain.objects.select_for_update().get_or_create(
        school=school, record_type=record_type
    )
    before = [step.field for step in row.steps()]
    op, field = data.get("op"), data.get("field", "")
    if op == "add":
        number = row.next_number
        row.next_number += 1
        row.additions = [
            *row.additions,
            {
                "field": f"bo_sung_{number}",
                "label": (data.get("label") or "").strip(),
                "on": data.get("on"),
                "actor": data.get("actor"),
            },
        ]
    elif op == "remove":
        _remove_addition(row, field)
    elif op == "parallel":
        row.parallel = [*row.parallel, field] if field not in row.parallel else row.parallel
    elif op == "sequential":
        if field not in row.parallel:
            raise ValidationError(_("Chỉ bỏ được lượt ký cùng lúc do trường đã chọn."))
        row.parallel = [f for f in row.parallel if f != field]
    else:
        raise ValidationError(_("Thao tác không tồn tại."))
    row.full_clean()
    row.save()
    audit_append(
        action="signature_chain.changed",
        school_id=school.pk,
        actor=user,
        object_type="record_type",
        object_id=record_type,
        summary=f"Signer chain of {record_type} changed ({op})",
        detail={"op": op, "before": before, "after": [s.field for s in row.steps()]},
    )
    return row


def _remove_addition(row: SchoolChain, field: str) -> None:
    declared = {step.field: step for step in row.rules.signature_steps}
    if field in declared:
        raise ValidationError(
            _("Không được bỏ bước ký đã quy định: «%(label)s».") % {"label": declared[field].label}
        )
    if field not in {a["field"] for a in row.additions}:
        raise ValidationError(_("Bước ký không có trong quy trình."))
    # A round that ended with the removed signature ends with it.
    fields = [step.field for step in row.steps()]
    previous = fields[fields.index(field) - 1] if fields.index(field) else None
    row.additions = [a for a in row.additions if a["field"] != field]
    row.parallel = [f for f in row.parallel if f not in {field, previous}]
