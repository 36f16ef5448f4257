"""The staff sheet: who works at the school, and who is leaving it.

The export says who works where; the principal says who may do what (R2). So
an import never writes a role, never changes the post of the principal or a
vice-principal, and creates newcomers with an inactive account. A person the
export says is leaving loses access at once (the account becomes inactive), but
not the school's principal: the school would be left without one. Everything
the apply could refuse is found in the preview, and the apply writes in bulk, a
number of queries that does not grow with the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from wagtail.search.backends import get_search_backends

from imports.columns import SheetKind
from imports.planning import chunks, flag_duplicates, good_rows, model_problems, plan_one, read_rows
from imports.reader import RawSheet
from imports.staff_match import STAFF_FIELDS, Match, SchoolStaff, match_rows
from imports.staff_status import leaving_status, working_label
from imports.types import FieldChange, PlannedRecord, RowProblem, SheetPlan
from imports.values import CellError
from recordpages.models import RoleCode, School, SchoolYear, StaffProfile
from recordpages.text import vn_slugify

LEAVING = "leaving"  # the change that closes the account of a person who left
_NOT_IMPORTED = ["user", "school", "authority", "roles", "assigned_categories"]


def plan_staff(sheet: RawSheet, school: School, year: SchoolYear) -> SheetPlan:
    plan = SheetPlan(sheet.kind, sheet.title, sheet.header_row)
    read = read_rows(sheet, plan)
    flag_duplicates(read, "staff_code", _("Mã cán bộ"))
    flag_duplicates(read, "ministry_id", _("Mã định danh"))
    for _number, values, problems in read:
        try:
            values[LEAVING] = leaving_status(values.get("status") or "")
        except CellError as exc:
            problems.append(str(exc))
    staff = SchoolStaff(school)
    for match in match_rows(good_rows(read, sheet, plan), staff, plan):
        record = _plan_row(plan, match, staff)
        if record is None:
            continue
        problems = model_problems(sheet, _as_written(school, match.current, record), _NOT_IMPORTED)
        if problems:
            plan.errors.append(RowProblem(plan.title, match.number, " ".join(problems)))
        else:
            plan.records.append(record)
    return plan


def _incoming(values: dict[str, Any]) -> dict[str, Any]:
    """The row's values by model field. "Nhóm chức vụ" names the post ("Phó hiệu trưởng");
    "Loại cán bộ" only the kind ("Cán bộ quản lý"), used when the post is not given."""
    incoming = {name: values[name] for name in STAFF_FIELDS if name in values}
    incoming["position"] = values.get("post_group") or values.get("position") or ""
    return incoming


def _changes(current: dict | None, incoming: dict[str, Any]) -> list[FieldChange]:
    """The field changes the shared planner shows for these values (empty cells change nothing)."""
    scratch = SheetPlan(SheetKind.STAFF, "", 0)
    plan_one(scratch, StaffProfile, 0, "", "", current or {"pk": None}, incoming, STAFF_FIELDS)
    return scratch.records[0].changes if scratch.records else []


def _plan_row(plan: SheetPlan, match: Match, staff: SchoolStaff) -> PlannedRecord | None:
    values, current = match.values, match.current
    code, name = values["staff_code"], values["full_name"]
    incoming = _incoming(values)
    if current is None:
        if values[LEAVING]:
            _warn(
                plan,
                match,
                _(
                    "%(name)s có trạng thái “%(status)s” và chưa có trong danh sách cán bộ "
                    "của trường: không thêm."
                ),
            )
            return None
        return PlannedRecord(match.number, "add", code, name, incoming, _changes(None, incoming))
    changes = _changes(current, incoming)
    role = staff.leaders.get(current["pk"])
    if role:
        changes = _keep_the_post(plan, match, role, changes)
    if match.by_name:
        changes = _only_fill(plan, match, changes)
    changes += _leaving(plan, match, role)
    if not changes:
        plan.unchanged.append(code)
        return None
    return PlannedRecord(match.number, "change", code, name, incoming, changes, current["pk"])


def _warn(plan: SheetPlan, match: Match, message: str, **more: str) -> None:
    name = match.current["full_name"] if match.current else match.values["full_name"]
    status = _(match.values[LEAVING] or "")
    plan.warnings.append(
        RowProblem(plan.title, match.number, message % {"name": name, "status": status, **more})
    )


def _keep_the_post(plan, match: Match, role: str, changes: list[FieldChange]):
    """The principal's and the vice-principals' post is the principal's to change, with
    their roles, in the staff screen: the row's text stays a warning."""
    for change in changes:
        if change.field == "position":
            _warn(
                plan,
                match,
                _(
                    "%(name)s giữ vai trò %(role)s: giữ nguyên vị trí việc làm “%(kept)s” (tệp "
                    "ghi “%(given)s”). Chức vụ của lãnh đạo nhà trường chỉ đổi trong mục “Cán "
                    "bộ, giáo viên”."
                ),
                role=str(RoleCode(role).label),
                kept=change.before,
                given=change.after,
            )
    return [change for change in changes if change.field != "position"]


def _only_fill(plan, match: Match, changes: list[FieldChange]) -> list[FieldChange]:
    """A row found by name may fill what is empty, never overwrite: the name is the
    weakest of the identities."""
    empty = [c for c in changes if match.current.get(c.field) in ("", None)]
    kept = [c for c in changes if c not in empty]
    if kept:
        differences = "; ".join(
            _("%(label)s “%(kept)s” (tệp ghi “%(given)s”)")
            % {"label": c.label, "kept": c.before, "given": c.after}
            for c in kept
        )
        _warn(
            plan,
            match,
            _(
                "%(name)s được nhận theo họ tên (không có mã cán bộ hay mã định danh trùng): "
                "chỉ điền các ô còn trống, giữ nguyên %(differences)s."
            ),
            differences=differences,
        )
    return empty


def _leaving(plan, match: Match, role: str | None) -> list[FieldChange]:
    """The change that closes the account of a person the export says has left."""
    if not match.values[LEAVING] or not match.current["user__is_active"]:
        return []
    if role == RoleCode.PRINCIPAL:
        _warn(
            plan,
            match,
            _(
                "%(name)s đang là hiệu trưởng của trường; tệp ghi trạng thái “%(status)s” nhưng "
                "tài khoản vẫn được giữ để trường không thiếu hiệu trưởng. Hiệu trưởng hoặc cán "
                "bộ quản trị hệ thống cần giao vai trò hiệu trưởng cho người khác trước (mục "
                "“Cán bộ, giáo viên”), rồi nhập lại tệp để khoá tài khoản này."
            ),
        )
        return []
    if match.by_name:
        _warn(
            plan,
            match,
            _(
                "%(name)s được nhận theo họ tên, không theo mã cán bộ hay mã định danh: tệp ghi "
                "trạng thái “%(status)s” nhưng tài khoản không bị khoá. Nếu đúng là người này, "
                "hãy khoá tài khoản trong mục “Cán bộ, giáo viên”."
            ),
        )
        return []
    status = _(match.values[LEAVING])
    return [FieldChange(LEAVING, _("Trạng thái"), working_label(), status)]


def _as_written(school: School, current: dict | None, record: PlannedRecord) -> StaffProfile:
    """The profile as the apply would leave it, for the model's own validation."""
    fields = {name: (current or {}).get(name) for name in STAFF_FIELDS}
    fields.update({c.field: record.values[c.field] for c in record.changes if c.field != LEAVING})
    return StaffProfile(school_id=school.pk, **{k: v for k, v in fields.items() if v is not None})


# --- apply -----------------------------------------------------------------------


def apply_staff(sheet: SheetPlan, school: School) -> None:
    """New staff get an inactive account without roles: the principal gives accounts
    and roles (R2), the export only says who works at the school."""
    _add(sheet.added, school)
    _change(sheet.changed)


def _usernames(school: School, names: list[str]) -> list[str]:
    """A free username for each new person, in one query: "thhn.nguyenvanan", then
    "thhn.nguyenvanan2" for the next one of that name, in the database or the file."""
    prefix = f"{school.code.lower()}."
    User = get_user_model()
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    usernames = []
    for full_name in names:
        base = f"{prefix}{vn_slugify(full_name).replace('-', '')}"[:140]
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}{n}"
        taken.add(candidate)
        usernames.append(candidate)
    return usernames


def _add(records: list[PlannedRecord], school: School) -> None:
    if not records:
        return
    User = get_user_model()
    users = []
    names = [record.values["full_name"] for record in records]
    for full_name, username in zip(names, _usernames(school, names), strict=True):
        last, _sep, first = full_name.rpartition(" ")
        user = User(username=username, first_name=first, last_name=last, is_active=False)
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    profiles = [
        StaffProfile(
            user=user,
            school=school,
            **{k: v for k, v in record.values.items() if k in STAFF_FIELDS and v not in ("", None)},
        )
        for record, user in zip(records, users, strict=True)
    ]
    StaffProfile.objects.bulk_create(profiles)
    _index(profiles)


def _change(records: list[PlannedRecord]) -> None:
    if not records:
        return
    profiles: dict[int, StaffProfile] = {}
    for chunk in chunks([record.existing_pk for record in records]):
        profiles.update((p.pk, p) for p in StaffProfile.objects.filter(pk__in=chunk))
    fields: set[str] = set()
    leaving: list[int] = []
    for record in records:
        profile = profiles[record.existing_pk]
        for change in record.changes:
            if change.field == LEAVING:
                leaving.append(profile.user_id)
            else:
                setattr(profile, change.field, record.values[change.field])
                fields.add(change.field)
    if fields:
        StaffProfile.objects.bulk_update(list(profiles.values()), sorted(fields))
    for chunk in chunks(leaving):
        get_user_model().objects.filter(pk__in=chunk).update(is_active=False)
    renamed = {r.existing_pk for r in records if any(c.field == "full_name" for c in r.changes)}
    _index([profiles[pk] for pk in renamed])


def _index(profiles: list[StaffProfile]) -> None:
    """Bulk writes send no post_save: the search index hears of new and renamed people
    here, in one batch, as it would of one saved in the staff screen."""
    if profiles:
        for backend in get_search_backends(with_auto_update=True):
            backend.add_bulk(StaffProfile, profiles)
