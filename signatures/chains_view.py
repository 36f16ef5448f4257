"""Quy trình ký của trường: the signer chains a school's records follow, read-only.

For the principal and the school's system administrator: each record type of the
registry and each category of "other records" the school defined, its chain in order
(who signs, a personal signature or the seal, in order or in one round with the next)
and the school's seal the archive adds when the chain leaves it out. The chains are
data (recordpages.chains). The principal of the school (or a superuser, naming the
school) adjusts them here within what the regulation allows: extra signatures, and
rounds of two consecutive signatures (recordpages.models.chains checks every change,
never fewer reviews); each change is an audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from recordpages import chains, registry
from recordpages.models import RecordCategory, School, SchoolChain
from recordpages.models import chains as school_chain
from recordpages.permissions import get_scope
from recordpages.registry import Actor
from signatures import chain_changes
from workflow import policy

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
    field: str = ""


@dataclass(frozen=True)
class ChainRow:
    name: str
    summary: str  # "Giáo viên chủ nhiệm → Hiệu trưởng → Đóng dấu (văn thư)"
    steps: tuple[StepRow, ...]
    code: str = ""  # the record type's code: the page offers its adjustments
    added: tuple[StepRow, ...] = ()  # the school's extra signatures (removable)
    pairs: tuple[tuple[str, str, bool], ...] = ()  # (field, "A + B", in one round)
    during: tuple[tuple[str, str], ...] = ()  # path steps an extra signature may join


@dataclass(frozen=True)
class Editor:
    """Who adjusts which school's chains on this request."""

    school: School
    actors: tuple[tuple[str, str], ...]


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
        field=step.field,
    )


def chain_row(rules: registry.RecordType, *, edited: SchoolChain | None = None) -> ChainRow:
    """A record type's chain as the page shows it: its declared steps, then the seal the
    archive adds when the chain does not declare one. With `edited`, the school's
    adjustments as the forms offer them."""
    declared = tuple(rules.signature_steps)
    whole = chains.with_seal(declared)
    steps = tuple(
        _step_row(n, step, automatic=n > len(declared)) for n, step in enumerate(whole, 1)
    )
    # Rounds read left to right; the signers of one round sign in any order.
    summary = " → ".join(
        " + ".join(str(step.label) for step in group) for group in chains.rounds(whole)
    )
    row = ChainRow(str(rules.label), summary, steps)
    if edited is None:
        return row
    added = {a["field"] for a in edited.additions}
    pairs = tuple(
        (step.field, f"{step.label} + {after.label}", step.parallel_with_next)
        for step, after in zip(declared, declared[1:], strict=False)
        if step.on == after.on and not step.seal and not after.seal
    )
    return ChainRow(
        row.name,
        row.summary,
        row.steps,
        code=rules.code,
        added=tuple(r for r, s in zip(steps, whole, strict=False) if s.field in added),
        pairs=pairs,
        during=tuple((step.name, str(step.label)) for step in school_chain.addable_steps(rules)),
    )


def editor_for(request: HttpRequest) -> Editor | None:
    """The principal of a school edits its chains; a superuser those of the school named
    by `truong`. Nobody else (the school's system administrator reads them)."""
    scope = get_scope(request.user)
    school_id = scope.school_id
    if scope.is_superuser:
        school_id = (request.POST or request.GET).get("truong") or school_id
    elif not policy.may_change_chains(request.user):
        return None
    school = School.objects.filter(pk=school_id).first() if str(school_id).isdigit() else None
    if school is None:
        return None
    actors = tuple((a.value, str(ACTOR_LABELS[a])) for a in school_chain.ADDABLE_ACTORS)
    return Editor(school, actors)


def school_chains(user, editor: Editor | None = None) -> tuple[list[ChainRow], list[ChainRow]]:
    """The registry's record types (as the school adjusted them), then the categories of
    the user's school (every school's for a superuser, who belongs to none)."""
    scope = get_scope(user)
    school_id = editor.school.pk if editor else scope.school_id
    rows = {row.record_type: row for row in SchoolChain.objects.filter(school_id=school_id)}
    types = []
    for rules in registry.all_types():
        edited = rows.get(rules.code) or SchoolChain(school_id=school_id, record_type=rules.code)
        adjusted = school_chain.school_rules(rules, school_id)
        types.append(chain_row(adjusted, edited=edited if editor else None))
    categories = RecordCategory.objects.select_related("school").order_by("school", "name")
    if not scope.is_superuser or school_id is not None:
        categories = categories.filter(school_id=school_id)
    return types, [chain_row(category.rules()) for category in categories]


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    context = {"page_title": _("Quy trình ký của trường"), "refusal": message}
    return render(request, "signatures/chains.html", context, status=status)


def chains_view(request: HttpRequest) -> HttpResponse:
    if not policy.may_see_chains(request.user):
        # A page, not PermissionDenied: the admin turns that into a redirect home.
        return _refused(
            request,
            _(
                "Bạn không có quyền xem quy trình ký: chỉ hiệu trưởng hoặc cán bộ quản trị "
                "hệ thống của trường xem được."
            ),
            403,
        )
    editor = editor_for(request)
    error = ""
    if request.method == "POST":
        if editor is None:
            return _refused(
                request, _("Chỉ hiệu trưởng của trường được điều chỉnh quy trình ký."), 403
            )
        try:
            chain_changes.chain_change(
                user=request.user,
                school=editor.school,
                record_type=request.POST.get("record_type", ""),
                data=request.POST,
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            return redirect(f"{request.path}?truong={editor.school.pk}")
    types, categories = school_chains(request.user, editor)
    return render(
        request,
        "signatures/chains.html",
        {
            "page_title": _("Quy trình ký của trường"),
            "editor": editor,
            "error": error,
            "sections": [
                {"title": _("Hồ sơ theo quy định"), "chains": types},
                {"title": _("Hồ sơ khác của trường"), "chains": categories},
            ],
        },
        status=400 if error else 200,
    )
