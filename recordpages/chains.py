"""Who signs a record, in which order: its signer chain (issue 13, DESIGN.md "Signing").

A record type declares its chain beside its path (`RecordType.signature_steps`). Each
`SignatureStep` is made while one step of the path is taken (`on`): the teacher signs
as they hand the plan in, the principal as they approve. A path step may carry several
signature steps; they are made in order, except that a step marked
`parallel_with_next` forms one round with the next, whose signers sign in any order.
The path step itself is taken when its last signature is made.

A person with a certificate bound to them signs; a person without one takes the step as
before and the signature step is *recorded* (in the audit chain and on the document),
and the school's seal covers the document. The seal is the last signature of every
frozen record: a chain that declares it (`seal=True`, the clerk applies it with the
school's key) puts it where it says; any other chain gets it from the archive when the
record is frozen.

Data only, like the registry: `signatures` (the app) does the signing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recordpages.registry import APPROVE, SIGN, SUBMIT, Actor, Bar, CategoryPath


@dataclass(frozen=True)
class SignatureStep:
    """One signature of a record's document."""

    field: str  # ASCII, unique in the chain: the PDF field is "Ky_<field>"
    label: Promise  # the signature block's title on the form: "Giáo viên chủ nhiệm"
    on: str  # the path step (registry step name) during which it is made
    by: tuple[Actor, ...]
    seal: bool = False  # the school's seal (a school key), not a person's signature
    parallel_with_next: bool = False
    # Who may not make it because they wrote the record; None: the path step's bar.
    bar: Bar | None = None
    # Who makes it when each of `by` wrote the record; empty: the path step's `instead`.
    instead: tuple[Actor, ...] = ()

    @property
    def pdf_field(self) -> str:
        return f"Ky_{self.field}"


PRINCIPAL_LABEL = _("Hiệu trưởng")


def personal(field: str, label: Promise, *, on: str, by: tuple[Actor, ...]) -> SignatureStep:
    return SignatureStep(field, label, on, by)


def seal(*, on: str, by: tuple[Actor, ...] = (Actor.CLERK,)) -> SignatureStep:
    """The school's seal, applied by the clerk (văn thư, NĐ 30/2020) with the school key."""
    # The clerk seals what the school made, a register she keeps included: only those
    # who changed its content are barred (as for confirming the paper copy).
    # When the clerk wrote it, the accountant stamps it ("kế toán hoặc văn thư", Đ8.3).
    return SignatureStep(
        "con_dau",
        _("Đóng dấu (văn thư)"),
        on,
        by,
        seal=True,
        bar=Bar.EDITORS,
        instead=(Actor.ACCOUNTANT,),
    )


# The field of the seal the archive adds when a chain does not declare it.
AUTOMATIC_SEAL = SignatureStep("con_dau", _("Chữ ký số của nhà trường"), "", (), seal=True)


def rounds(steps: Sequence[SignatureStep]) -> list[tuple[SignatureStep, ...]]:
    """The steps grouped into rounds: a round's signers sign in any order."""
    grouped: list[tuple[SignatureStep, ...]] = []
    current: list[SignatureStep] = []
    for step in steps:
        current.append(step)
        if not step.parallel_with_next:
            grouped.append(tuple(current))
            current = []
    if current:
        grouped.append(tuple(current))
    return grouped


def pending_on(
    steps: Sequence[SignatureStep], path_step: str, done: Iterable[str]
) -> tuple[SignatureStep, ...]:
    """The signature steps of `path_step` that may be made now: the not-done steps of
    its first round that is not complete. Empty when every one is made (or none is
    declared): the path step is then taken."""
    made = set(done)
    for group in rounds([s for s in steps if s.on == path_step]):
        waiting = tuple(s for s in group if s.field not in made)
        if waiting:
            return waiting
    return ()


def completes(steps: Sequence[SignatureStep], path_step: str, done: Iterable[str]) -> bool:
    """Whether the path step is taken once the signatures in `done` are made."""
    return not pending_on(steps, path_step, done)


def with_seal(steps: Sequence[SignatureStep]) -> tuple[SignatureStep, ...]:
    """The whole chain as it appears on the document: the declared steps, then the
    archive's seal when the chain does not declare one."""
    if any(step.seal for step in steps):
        return tuple(steps)
    return (*steps, AUTOMATIC_SEAL)


# The chains of the paths a school may give its own categories (registry.CategoryPath).
_WRITER = personal("nguoi_lap", _("Người lập"), on=SUBMIT, by=(Actor.AUTHOR, Actor.PRINCIPAL))
_APPROVER = personal(
    "nguoi_duyet", _("Người duyệt"), on=APPROVE, by=(Actor.PRINCIPAL, Actor.ASSIGNED_VP)
)
CATEGORY_CHAINS: dict[str, tuple[SignatureStep, ...]] = {
    CategoryPath.APPROVE: (_WRITER, _APPROVER),
    CategoryPath.PAPER: (_WRITER, _APPROVER, seal(on=SIGN)),
}
