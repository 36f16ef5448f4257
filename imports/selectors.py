"""Reads of the import app, and who may import (decided by recordpages' scope)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from imports.models import DataFile, DataFileStatus
from recordpages.models import RoleCode, School, SchoolYear
from recordpages.permissions import get_scope, visible_schools

# Đ9.4: the system administrator loads the year's data; the principal owns the school's data.
IMPORT_ROLES = (RoleCode.PRINCIPAL, RoleCode.SYSADMIN)


def importable_schools(user) -> QuerySet[School]:
    """Schools whose data `user` may load: any for a superuser, else their own school
    when they are its principal or system administrator."""
    scope = get_scope(user)
    if scope.is_superuser:
        return School.objects.all()
    if not imports_anything(user):
        return School.objects.none()
    return visible_schools(user).filter(pk=scope.school_id)


def imports_anything(user) -> bool:
    """Whether the import screens are for `user` at all, from the scope alone (the menu
    asks it on every admin page); importable_schools says which schools."""
    scope = get_scope(user)
    if scope.is_superuser:
        return True
    return (
        not scope.read_only
        and scope.school_id is not None
        and bool(scope.roles & set(IMPORT_ROLES))
    )


def may_import(user, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    return importable_schools(user).filter(pk=school_id).exists()


def data_files_visible_to(user) -> QuerySet[DataFile]:
    return (
        DataFile.objects.filter(school__in=importable_schools(user))
        .select_related("school", "school_year", "uploaded_by", "applied_by")
        .defer("content")
    )


@dataclass(frozen=True)
class ArchivedDataFile:
    """One applied CSDL ngành file, as the year-end package includes it (DESIGN.md)."""

    filename: str
    sha256: str
    size: int
    applied_at: dt.datetime | None
    content: bytes

    @property
    def package_path(self) -> str:
        stamp = self.applied_at.strftime("%Y%m%d-%H%M%S") if self.applied_at else "chua-ap-dung"
        return f"exports/csdl-nganh/{stamp}-{self.sha256[:12]}.xlsx"


def data_files_for(*, school: School, school_year: SchoolYear) -> list[ArchivedDataFile]:
    """The CSDL ngành files applied for a school and year, oldest first.

    The seam for archive.package: `from imports.selectors import data_files_for`
    and write each `content` under `package_path`.
    """
    rows = DataFile.objects.filter(
        school=school, school_year=school_year, status=DataFileStatus.APPLIED
    ).order_by("applied_at", "pk")
    return [
        ArchivedDataFile(
            filename=row.filename,
            sha256=row.sha256,
            size=row.size,
            applied_at=row.applied_at,
            content=bytes(row.content),
        )
        for row in rows
    ]
