"""The staff sheet: who works at the school, matched on staff code, ministry id, or a
unique name, and the inactive accounts the import creates for newcomers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from imports.planning import flag_duplicates, good_rows, plan_one, read_rows
from imports.reader import RawSheet
from imports.types import SheetPlan
from recordpages.models import School, SchoolYear, StaffProfile
from recordpages.text import fold, vn_slugify

STAFF_FIELDS = (
    "staff_code",
    "ministry_id",
    "full_name",
    "date_of_birth",
    "sex",
    "position",
    "subjects_taught",
)


def plan_staff(sheet: RawSheet, school: School, year: SchoolYear) -> SheetPlan:
    plan = SheetPlan(sheet.kind, sheet.title, sheet.header_row)
    read = read_rows(sheet, plan)
    flag_duplicates(read, "staff_code", _("Mã cán bộ"))
    flag_duplicates(read, "ministry_id", _("Mã định danh"))
    rows = good_rows(read, sheet, plan)
    profiles = list(StaffProfile.objects.filter(school=school).values("pk", *STAFF_FIELDS))
    by_code = {p["staff_code"]: p for p in profiles if p["staff_code"]}
    by_id = {p["ministry_id"]: p for p in profiles if p["ministry_id"]}
    by_name: dict[str, list[dict]] = {}
    for profile in profiles:
        by_name.setdefault(fold(profile["full_name"]), []).append(profile)
    for number, values in rows:
        current = by_code.get(values["staff_code"]) or by_id.get(values.get("ministry_id") or "")
        if current is None:
            same_name = by_name.get(fold(values["full_name"]), [])
            current = (
                same_name[0] if len(same_name) == 1 and not same_name[0]["staff_code"] else None
            )
        incoming = {name: values[name] for name in STAFF_FIELDS if name in values}
        position = values.get("position") or values.get("post_group")
        if position:
            incoming["position"] = position
        plan_one(
            plan,
            StaffProfile,
            number,
            values["staff_code"],
            values["full_name"],
            current,
            incoming,
            STAFF_FIELDS,
        )
    return plan


def _new_username(full_name: str, school: School) -> str:
    base = f"{school.code.lower()}.{vn_slugify(full_name).replace('-', '')}"[:140]
    User = get_user_model()
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def apply_staff(sheet: SheetPlan, school: School) -> None:
    """New staff get an inactive account without roles: the principal gives accounts
    and roles (R2), the export only says who works at the school."""
    User = get_user_model()
    for record in sheet.records:
        values = {k: v for k, v in record.values.items() if v not in ("", None)}
        values = {
            k: v for k, v in values.items() if k in {f.name for f in StaffProfile._meta.fields}
        }
        if record.op == "add":
            last, _sep, first = values["full_name"].rpartition(" ")
            user = User(
                username=_new_username(values["full_name"], school),
                first_name=first,
                last_name=last,
                is_active=False,
            )
            user.set_unusable_password()
            user.save()
            profile = StaffProfile(user=user, school=school, **values)
        else:
            profile = StaffProfile.objects.get(pk=record.existing_pk)
            for change in record.changes:
                setattr(profile, change.field, values[change.field])
        profile.full_clean(exclude=["roles"])
        profile.save()
