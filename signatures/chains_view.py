"""Quy trình ký của trường: the signer chains a school's records follow, read-only.

For the principal and the school's system administrator: each record type of the
registry and each category of "other records" the school defined, its chain in order
(who signs, a personal signature or the seal, in order or in one round with the next)
and the school's seal the archive adds when the chain leaves it out. The chains are
data (recordpages.chains); adjusting them is not offered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recordpages import chains, registry
from recordpages.models import RecordCategory, RoleCode
from recordpages.permissions import get_scope
from recordpages.registry import Actor

# Who an Actor is, in the words of a school (the registry names them in English).
ACTOR_LABELS: dict[Actor, Promise] = {
    Actor.AUTHOR: gettext_lazy("Người lập hồ sơ"),
    Actor.GROUP_LEADER: gettext_lazy("Tổ trưởng chuyên môn"),
    Actor.HOMEROOM: gettext_lazy("Giáo viên chủ nhiệm"),
    Actor.PRINCIPAL: gettext_lazy("Hiệu trưởng"),
    Actor.VICE_PRINCIPAL: gettext_lazy("Phó hiệu trưởng"),
    Actor.ASSIGNED_VP: gettext_lazy("Phó hiệu trưởng được phân công"),
    Actor.SYSADMIN: gettext_lazy("Quản trị hệ thống của trường"),
    Actor.CLERK: gettext_lazy("Văn thư"),
    Actor.REVIEWER: gettext_lazy("Người được duyệt ở bước này"),
}


@dataclass(frozen=True)
class StepRow:
    number: int
    label: str
    who: str
    kind: str  # "Chữ ký cá nhân" or "Con dấu của trường"
    during: str  # the path step it is made in ("Duyệt")
    order: str  # "Lần lượt" or "Cùng lượt với bước sau"
    automatic: bool = False  # the seal the archive adds when the record is frozen


@dataclass(frozen=True)
class ChainRow:
    name: str
    summary: str  # "Giáo viên chủ nhiệm → Hiệu trưởng → Đóng dấu (văn thư)"
    steps: tuple[StepRow, ...]


def may_see_chains(user) -> bool:
    """The school's principal or system administrator (or a superuser)."""
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return scope.school_id is not None and bool(
        scope.roles & {RoleCode.PRINCIPAL, RoleCode.SYSADMIN}
    )


def _who(actors: tuple[Actor, ...]) -> str:
    return _(" hoặc ").join(str(ACTOR_LABELS.get(a, a)) for a in actors)


def _step_row(number: int, step: chains.SignatureStep, *, automatic: bool) -> StepRow:
    if automatic:
        return StepRow(
            number,
            str(step.label),
            _("Nhà trường (hệ thống tự ký khi lưu trữ)"),
            _("Con dấu của trường"),
            _("Lưu trữ"),
            _("Sau cùng"),
            automatic=True,
        )
    return StepRow(
        number,
        str(step.label),
        _who(step.by),
        _("Con dấu của trường") if step.seal else _("Chữ ký cá nhân"),
        str(registry.STEP_LABELS.get(step.on, step.on)),
        _("Cùng lượt với bước sau") if step.parallel_with_next else _("Lần lượt"),
    )


def chain_row(rules: registry.RecordType) -> ChainRow:
    """A record type's chain as the page shows it: its declared steps, then the seal the
    archive adds when the chain does not declare one."""
    declared = tuple(rules.signature_steps)
    whole = chains.with_seal(declared)
    steps = tuple(
        _step_row(n, step, automatic=n > len(declared)) for n, step in enumerate(whole, 1)
    )
    # Rounds read left to right; the signers of one round sign in any order.
    summary = " → ".join(
        " + ".join(str(step.label) for step in group) for group in chains.rounds(whole)
    )
    return ChainRow(str(rules.label), summary, steps)


def school_chains(user) -> tuple[list[ChainRow], list[ChainRow]]:
    """The registry's record types, then the categories of the user's school (every
    school's for a superuser, who belongs to none)."""
    types = [chain_row(rules) for rules in registry.all_types()]
    scope = get_scope(user)
    categories = RecordCategory.objects.select_related("school").order_by("school", "name")
    if not scope.is_superuser or scope.school_id is not None:
        categories = categories.filter(school_id=scope.school_id)
    return types, [chain_row(category.rules()) for category in categories]


def chains_view(request: HttpRequest) -> HttpResponse:
    if not may_see_chains(request.user):
        # A page, not PermissionDenied: the admin turns that into a redirect home.
        refusal = _(
            "Bạn không có quyền xem quy trình ký: chỉ hiệu trưởng hoặc cán bộ quản trị "
            "hệ thống của trường xem được."
        )
        context = {"page_title": _("Quy trình ký của trường"), "refusal": refusal}
        return render(request, "signatures/chains.html", context, status=403)
    types, categories = school_chains(request.user)
    return render(
        request,
        "signatures/chains.html",
        {
            "page_title": _("Quy trình ký của trường"),
            "sections": [
                {"title": _("Hồ sơ theo quy định"), "chains": types},
                {"title": _("Hồ sơ khác của trường"), "chains": categories},
            ],
        },
    )
