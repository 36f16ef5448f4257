"""Writes to the people and the tree: accounts, role-derived access, school pages.

Access is derived from roles, never granted by hand: each (role, school) and
(role, authority) pair has one Django group holding Wagtail page permissions on
that subtree, collection permissions on the school's collection, and model
permissions on the people snippets. Syncing an account puts it in exactly the
groups its roles call for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from recordpages.models.people import (
    AUTHORITY_ROLES,
    ManagedGroup,
    Role,
    RoleCode,
    School,
    StaffProfile,
)
from recordpages.models.school import AuthorityPage, SchoolPage

logger = logging.getLogger(__name__)

# The school's reference data: people, classes, groups, and its categories of "other
# records" (Đ12). Principal and system administrator manage them, the others read.
_PEOPLE = (
    "staffprofile",
    "pupil",
    "schoolclass",
    "professionalgroup",
    "classenrollment",
    "recordcategory",
)
_VIEW_PEOPLE = [f"recordpages.view_{m}" for m in _PEOPLE]
_MANAGE_PEOPLE = [
    f"recordpages.{action}_{m}" for m in _PEOPLE for action in ("add", "change", "view", "delete")
]
_ACCESS = ["wagtailadmin.access_admin"]

PAGE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    RoleCode.PRINCIPAL: ("add", "change", "publish", "lock", "unlock"),
    RoleCode.VICE_PRINCIPAL: ("add", "change"),
    RoleCode.SYSADMIN: ("add", "change", "lock", "unlock"),
    RoleCode.GROUP_LEADER: ("add",),
    RoleCode.TEACHER: ("add",),
    RoleCode.CLERK: ("add",),
    RoleCode.ACCOUNTANT: ("add",),
    RoleCode.ARCHIVIST: ("add",),
    # Read-only explore; the page permission tester strips every write.
    RoleCode.DISTRICT_OFFICE: ("lock",),
    RoleCode.INSPECTOR: ("lock",),
}

MODEL_PERMISSIONS: dict[str, list[str]] = {
    RoleCode.PRINCIPAL: [
        *_ACCESS,
        *_MANAGE_PEOPLE,
        "recordpages.view_school",
        "recordpages.change_school",
    ],
    RoleCode.SYSADMIN: [
        *_ACCESS,
        *_MANAGE_PEOPLE,
        "recordpages.view_school",
        "recordpages.change_school",
    ],
    RoleCode.VICE_PRINCIPAL: [*_ACCESS, *_VIEW_PEOPLE, "recordpages.change_pupil"],
    RoleCode.CLERK: [
        *_ACCESS,
        *_VIEW_PEOPLE,
        "recordpages.add_pupil",
        "recordpages.change_pupil",
    ],
    RoleCode.GROUP_LEADER: [*_ACCESS, *_VIEW_PEOPLE],
    RoleCode.TEACHER: [*_ACCESS, *_VIEW_PEOPLE],
    RoleCode.ACCOUNTANT: [*_ACCESS, *_VIEW_PEOPLE],
    RoleCode.ARCHIVIST: [*_ACCESS, *_VIEW_PEOPLE],
    RoleCode.DISTRICT_OFFICE: [*_ACCESS, *_VIEW_PEOPLE, "recordpages.view_school"],
    RoleCode.INSPECTOR: [*_ACCESS, *_VIEW_PEOPLE, "recordpages.view_school"],
}

_COLLECTION_PERMISSIONS = [
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
]


def _permissions(names: Iterable[str]) -> list[Permission]:
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = list(
        Permission.objects.filter(
            content_type__app_label__in={app for app, _ in wanted},
            codename__in={code for _, code in wanted},
        ).select_related("content_type")
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def school_collection(*, school: School) -> Collection:
    """Each school's documents and images live in a collection of its own."""
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=school.name).first()
    return existing or root.add_child(name=school.name)


@transaction.atomic
def managed_group_ensure(
    *, role: str, school: School | None = None, authority: AuthorityPage | None = None
) -> Group:
    """The one Django group for this role at this school (or authority), with its grants."""
    if (school is None) == (authority is None):
        raise ValueError("Exactly one of school or authority is required.")
    lookup = {"role_id": role, "school": school, "authority": authority}
    managed = ManagedGroup.objects.select_related("group").filter(**lookup).first()
    role_obj = Role.objects.get(pk=role)
    if managed is None:
        owner = school.code if school else authority.title
        group, _ = Group.objects.get_or_create(name=f"{owner} · {role_obj.name}"[:150])
        managed = ManagedGroup.objects.create(group=group, **lookup)
    group = managed.group
    group.permissions.set(_permissions(MODEL_PERMISSIONS[role]))

    page = school.page if school else authority
    wanted = set(
        _permissions(f"wagtailcore.{codename}_page" for codename in PAGE_PERMISSIONS[role])
    )
    GroupPagePermission.objects.filter(group=group).exclude(
        page=page, permission__in=wanted
    ).delete()
    for permission in wanted:
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)

    if school is not None:
        collection = school_collection(school=school)
        for permission in _permissions(_COLLECTION_PERMISSIONS):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=permission
            )
    return group


@transaction.atomic
def staff_access_sync(*, staff: StaffProfile) -> None:
    """Put the account in exactly the managed groups its roles call for."""
    staff = StaffProfile.objects.select_related("school__page", "authority", "user").get(
        pk=staff.pk
    )
    wanted: set[int] = set()
    for code in staff.role_codes:
        if code in AUTHORITY_ROLES and staff.school_id is None:
            if staff.authority_id:
                wanted.add(managed_group_ensure(role=code, authority=staff.authority).pk)
            else:
                for authority in AuthorityPage.objects.filter(depth=2):
                    wanted.add(managed_group_ensure(role=code, authority=authority).pk)
        elif staff.school_id and code not in AUTHORITY_ROLES:
            if SchoolPage.objects.filter(school_id=staff.school_id).exists():
                wanted.add(managed_group_ensure(role=code, school=staff.school).pk)
    user = staff.user
    managed_ids = set(ManagedGroup.objects.values_list("group_id", flat=True))
    current = set(user.groups.values_list("pk", flat=True))
    user.groups.remove(*(current & managed_ids - wanted))
    user.groups.add(*(wanted - current))
    user.is_staff = False
    user.save(update_fields=["is_staff"])
    logger.debug("Synced access for user %s: %d managed groups", user.pk, len(wanted))


@transaction.atomic
def staff_account_save(
    *,
    staff: StaffProfile,
    username: str,
    email: str = "",
    password: str | None = None,
    is_active: bool = True,
    roles: Iterable[str] | None = None,
) -> StaffProfile:
    """Create or update a personal account and its profile (Đ5.2, Đ7.3)."""
    User = get_user_model()
    user = staff.user if staff.user_id else User(username=username)
    user.username = username
    user.email = email
    user.is_active = is_active
    parts = staff.full_name.rsplit(" ", 1)
    user.last_name, user.first_name = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
    if password:
        validate_password(password, user)
        user.set_password(password)
    elif user.pk is None:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    staff.user = user
    staff.full_clean()
    staff.save()
    if roles is not None:
        staff.roles.set(list(roles))
        staff.save()
        staff.__dict__.pop("_role_codes", None)
    staff_access_sync(staff=staff)
    return staff
