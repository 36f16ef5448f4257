"""The signature blocks of a paper form, drawn from the record's signer chain
(recordpages.chains), so that the form asks for the signatures the chain makes: the
approver's block is there whenever the chain has an approver, and only the seal (or, on
paper without a seal step, the head of the school, who stamps it) says "đóng dấu"."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.translation import gettext as _

from recordpages import registry
from recordpages.chains import AUTOMATIC_SEAL, SignatureStep
from recordpages.registry import Actor

register = template.Library()

# Every seal step, declared or added by the archive, uses this field (chains.seal).
SEAL_FIELD = AUTOMATIC_SEAL.pdf_field


@dataclass(frozen=True)
class Block:
    label: str
    note: str
    name: str = ""
    field: str = ""  # the chain's PDF field: its box is where the signature lands


def personal_note() -> str:
    return _("(Ký, ghi rõ họ tên)")


def head_note() -> str:
    return _("(Ký, ghi rõ họ tên và đóng dấu)")


def seal_note() -> str:
    return _("(Đóng dấu)")


@register.filter
def signature_note(field: str) -> str:
    """The line under a chain block's title: a person signs with their name, the seal
    is a stamp."""
    return seal_note() if field == SEAL_FIELD else personal_note()


def _full_name(person) -> str:
    return getattr(person, "full_name", "") or ""


def _approver_name(page) -> str:
    """Who approved the version on paper: the record's last approval, if any."""
    from workflow.models import RecordVersion

    version = (
        RecordVersion.objects.filter(record__page_id=page.pk, approved_by__isnull=False)
        .select_related("approved_by__staff_profile")
        .order_by("-number")
        .first()
    )
    profile = getattr(version.approved_by, "staff_profile", None) if version else None
    return _full_name(profile)


def _name_for(step: SignatureStep, page, principal_name: str) -> str:
    """The person a step's block names, when the record says who it is."""
    if Actor.HOMEROOM in step.by:
        school_class = getattr(page, "school_class", None)
        return _full_name(getattr(school_class, "homeroom_teacher", None))
    if Actor.GROUP_LEADER in step.by:
        return _full_name(getattr(getattr(page, "group", None), "leader", None))
    if step.on == registry.SUBMIT or Actor.AUTHOR in step.by:
        return _full_name(getattr(page, "teacher", None) or getattr(page, "author", None))
    if step.by == (Actor.PRINCIPAL,):
        return principal_name
    if step.on == registry.APPROVE:
        return _approver_name(page)
    return ""


@register.simple_tag
def paper_signature_blocks(page, principal_name: str = "") -> list[Block]:
    """The blocks of a form printed before (or without) the signers' file: one per
    declared step of the school's chain, with the name of who signs when known. Without
    a seal step, the school's head (the last principal's step) stamps the paper."""
    steps = registry.for_record(page).signature_steps
    has_seal = any(step.seal for step in steps)
    head = None
    if not has_seal:
        heads = [step for step in steps if Actor.PRINCIPAL in step.by]
        head = heads[-1] if heads else None
    blocks = []
    for step in steps:
        if step.seal:
            note = seal_note()
        elif step is head:
            note = head_note()
        else:
            note = personal_note()
        name = "" if step.seal else _name_for(step, page, principal_name)
        blocks.append(Block(label=str(step.label), note=note, name=name))
    return blocks
