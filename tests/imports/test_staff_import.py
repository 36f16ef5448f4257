"""The staff sheet of a CSDL ngành export means what it says (R13, Đ9.4): its status,
its post, and who a row is; and it never touches roles or a principal's post."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from imports.services import import_apply, import_preview, import_upload
from recordpages.models import RoleCode, StaffProfile
from tests.conftest import kept_for_module
from tests.factories import StaffFactory, UserFactory, school_world
from tests.imports.layouts import STAFF_LIST, workbook_bytes

HEADERS = {
    "ministry_id": "Mã định danh Bộ GD&ĐT",
    "born": "Ngày sinh",
    "sex": "Giới tính",
    "status": "Trạng thái",
    "kind": "Loại cán bộ",
    "post": "Nhóm chức vụ",
    "subjects": "Môn dạy",
}


def row(code: str, name: str, **more) -> dict:
    """A STAFF_LIST row; `more` by the short names of HEADERS."""
    return {"Mã cán bộ": code, "Họ và tên": name, **{HEADERS[k]: v for k, v in more.items()}}


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        yield school_world(pupils_per_class=1)


@pytest.fixture
def world(_world, db):
    return _world


def staff(world, username: str, **fields) -> StaffProfile:
    profile = world.staff[username]
    StaffProfile.objects.filter(pk=profile.pk).update(**fields)
    return StaffProfile.objects.get(pk=profile.pk)


def preview(world, rows):
    plan = import_preview(
        school=world.school,
        school_year=world.year,
        data=workbook_bytes((STAFF_LIST, rows)),
        filename="can-bo.xlsx",
    )
    return plan.sheets[0]


def apply(world, rows):
    plan, data_file = import_upload(
        user=None,
        school=world.school,
        school_year=world.year,
        data=workbook_bytes((STAFF_LIST, rows)),
        filename="can-bo.xlsx",
    )
    assert data_file is not None, [e.message for e in plan.errors]
    return import_apply(user=None, data_file=data_file).sheets[0]


def messages(problems, number: int) -> str:
    return " ".join(p.message for p in problems if p.row == number)


def roles_of_school(world) -> dict[int, set[str]]:
    through = StaffProfile.roles.through.objects.filter(staffprofile__school=world.school)
    found: dict[int, set[str]] = {}
    for pk, code in through.values_list("staffprofile_id", "role_id"):
        found.setdefault(pk, set()).add(code)
    return found


# --- status -----------------------------------------------------------------------


def test_a_retired_teacher_not_yet_known_is_not_added_and_the_warning_names_the_row(world):
    sheet = preview(
        world,
        [
            row("CB0101", "Trần Thị Mai", status="Nghỉ hưu"),
            row("CB0102", "Lê Văn Tâm", status="Đang làm việc"),
        ],
    )
    assert [r.key for r in sheet.added] == ["CB0102"]
    assert "Trần Thị Mai" in messages(sheet.warnings, 5)
    assert "Nghỉ hưu" in messages(sheet.warnings, 5)


def test_statuses_are_read_folded_and_an_unknown_one_is_a_row_error_listing_the_known(world):
    sheet = preview(
        world,
        [
            row("CB0201", "Trần Thị Mai", status="ĐANG LÀM VIỆC"),
            row("CB0202", "Lê Văn Tâm", status="dang cong tac"),
            row("CB0203", "Phạm Thu Hà", status="Tạm nghỉ"),
            row("CB0204", "Đỗ Minh Quang"),
            row("CB0205", "Vũ Thị Lan", status="Về quê"),
            row("CB0206", "Ngô Văn Bình", status="THÔI VIỆC"),
        ],
    )
    assert [r.key for r in sheet.added] == ["CB0201", "CB0202", "CB0203", "CB0204"]
    error = messages(sheet.errors, 9)
    assert "Về quê" in error
    assert all(known in error for known in ("Đang làm việc", "Nghỉ hưu", "Chuyển công tác"))
    assert "Ngô Văn Bình" in messages(sheet.warnings, 10)


def test_a_leaving_teacher_loses_access_at_once_and_a_second_apply_changes_nothing(world, client):
    teacher = staff(world, "hn.giaovien", staff_code="GV0001")
    client.force_login(teacher.user)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    rows = [row("GV0001", teacher.full_name, status="Nghỉ hưu")]
    (record,) = preview(world, rows).changed
    assert [(c.label, c.before, c.after) for c in record.changes] == [
        ("Trạng thái", "Đang làm việc", "Nghỉ hưu")
    ]
    apply(world, rows)
    teacher.user.refresh_from_db()
    assert not teacher.user.is_active
    refused = client.get(reverse("wagtailadmin_home"))
    assert refused.status_code == 302
    assert refused.url.startswith(reverse("wagtailadmin_login"))
    again = apply(world, rows)
    assert not again.records and again.unchanged == ["GV0001"]


def test_the_principal_leaving_keeps_the_account_until_the_role_is_handed_over(world):
    principal = staff(world, "hn.hieutruong", staff_code="HT0001")
    sheet = apply(world, [row("HT0001", principal.full_name, status="Chuyển công tác")])
    principal.user.refresh_from_db()
    assert principal.user.is_active
    warning = messages(sheet.warnings, 5)
    assert "giao vai trò hiệu trưởng cho người khác trước" in warning
    assert "Chuyển công tác" in warning and principal.full_name in warning


# --- roles and posts --------------------------------------------------------------


def test_an_import_writes_no_role_and_leaves_the_principals_post_alone(world):
    principal = staff(world, "hn.hieutruong", staff_code="HT0001")
    vice = staff(world, "hn.phohieutruong", staff_code="PHT001")
    teacher = staff(world, "hn.giaovien", staff_code="GV0001")
    roles = roles_of_school(world)
    sheet = apply(
        world,
        [
            row("HT0001", principal.full_name, post="Giáo viên", subjects="Toán"),
            row("PHT001", vice.full_name, post="Nhân viên"),
            row("GV0001", teacher.full_name, post="Hiệu trưởng"),
        ],
    )
    assert roles_of_school(world) == roles
    principal.refresh_from_db(), vice.refresh_from_db(), teacher.refresh_from_db()
    assert principal.position == "Hiệu trưởng" and principal.subjects_taught == "Toán"
    assert vice.position == "Phó hiệu trưởng"
    assert teacher.position == "Hiệu trưởng" and not teacher.has_role(RoleCode.PRINCIPAL)
    assert "Giáo viên" in messages(sheet.warnings, 5)
    assert "Nhân viên" in messages(sheet.warnings, 6)


def test_the_post_group_names_the_post_and_the_staff_kind_only_fills_in(world):
    sheet = preview(
        world,
        [
            row("CB0301", "Trần Thị Mai", kind="Cán bộ quản lý", post="Phó hiệu trưởng"),
            row("CB0302", "Lê Văn Tâm", kind="Nhân viên"),
        ],
    )
    assert [r.values["position"] for r in sheet.added] == ["Phó hiệu trưởng", "Nhân viên"]


# --- who a row is -----------------------------------------------------------------


def test_a_row_matched_by_name_only_fills_empty_fields_and_overwrites_nothing(world):
    teacher = staff(world, "hn.giaovien", position="Giáo viên dạy lớp 1")
    sheet = apply(
        world,
        [
            row(
                "GV0009",
                teacher.full_name.upper(),
                born=dt.date(1990, 4, 2),
                post="Giáo viên",
                subjects="Tiếng Việt",
            )
        ],
    )
    teacher.refresh_from_db()
    assert teacher.staff_code == "GV0009" and teacher.date_of_birth == dt.date(1990, 4, 2)
    assert teacher.subjects_taught == "Tiếng Việt"
    assert teacher.position == "Giáo viên dạy lớp 1"
    assert "Giáo viên dạy lớp 1" in messages(sheet.warnings, 5)


def test_a_name_match_with_another_birth_date_is_ambiguous_and_writes_nothing(world):
    teacher = staff(world, "hn.giaovien", date_of_birth=dt.date(1990, 4, 2))
    sheet = preview(world, [row("GV0009", teacher.full_name, born=dt.date(1991, 4, 2))])
    assert not sheet.records and not sheet.errors
    assert "02/04/1990" in messages(sheet.warnings, 5)


def test_two_people_with_the_same_name_are_no_name_match(world):
    teacher = world.staff["hn.giaovien"]
    StaffFactory(school=world.school, full_name=teacher.full_name)
    sheet = preview(world, [row("GV0009", teacher.full_name.lower())])
    assert not sheet.records and not sheet.errors
    assert teacher.full_name in messages(sheet.warnings, 5)


def test_a_leaving_status_on_a_name_match_locks_no_account(world):
    teacher = world.staff["hn.giaovien"]
    sheet = apply(world, [row("GV0009", teacher.full_name, status="Thôi việc")])
    teacher.user.refresh_from_db()
    assert teacher.user.is_active
    assert "Thôi việc" in messages(sheet.warnings, 5)


def test_a_staff_code_and_a_ministry_id_of_two_people_are_a_row_error(world):
    teacher = staff(world, "hn.giaovien", staff_code="GV0001")
    clerk = staff(world, "hn.vanthu", ministry_id="031190000777")
    sheet = preview(world, [row("GV0001", teacher.full_name, ministry_id="031190000777")])
    assert not sheet.records
    error = messages(sheet.errors, 5)
    assert teacher.full_name in error and clerk.full_name in error


# --- found in the preview ---------------------------------------------------------


def test_a_bad_name_or_a_too_long_value_is_a_row_error_of_the_preview(world):
    plan, data_file = import_upload(
        user=None,
        school=world.school,
        school_year=world.year,
        data=workbook_bytes(
            (
                STAFF_LIST,
                [
                    row("CB0401", "Nguyễn Văn \u0410n"),
                    row("CB0402", "Lê Văn Tâm", subjects="Toán, " * 40),
                    row("CB" + "9" * 40, "Phạm Thu Hà"),
                    row("CB0403", "Đỗ Minh Hải", post="Giáo viên " * 15),
                ],
            )
        ),
        filename="can-bo.xlsx",
    )
    assert data_file is None
    found = {e.row: e.message for e in plan.errors}
    assert set(found) == {5, 6, 7, 8}
    assert "Họ và tên" in found[5] and "А" in found[5]
    assert "Môn dạy" in found[6] and "200" in found[6]
    assert "Mã cán bộ" in found[7] and "30" in found[7]
    # The post comes from "Nhóm chức vụ": the message names that column.
    assert "Nhóm chức vụ" in found[8] and "120" in found[8], found[8]


def test_two_newcomers_with_the_same_name_get_two_accounts(world):
    UserFactory(username="thhn.nguyenvanan")
    apply(world, [row("CB0501", "Nguyễn Văn An"), row("CB0502", "Nguyễn Văn An")])
    usernames = sorted(
        StaffProfile.objects.filter(full_name="Nguyễn Văn An").values_list(
            "user__username", flat=True
        )
    )
    assert usernames == ["thhn.nguyenvanan2", "thhn.nguyenvanan3"]
    assert not get_user_model().objects.filter(username__in=usernames, is_active=True).exists()
    found = get_search_backend().search("Nguyễn Văn An", StaffProfile)
    assert {p.user.username for p in found} >= set(usernames)


# --- speed ------------------------------------------------------------------------

_MULTI_ROW_WRITE = re.compile(r"^(INSERT INTO \S+ .*\), \(|UPDATE \S+ SET .*CASE WHEN)")


def _round_trips(queries) -> int:
    """Statements sent, a multi-row write split by the database's parameter limit (SQLite:
    999 per statement) counted once: a batch is one write, however many rows it holds."""
    count, last = 0, None
    for query in queries:
        match = _MULTI_ROW_WRITE.match(query["sql"])
        head = query["sql"][: query["sql"].find("(")] if match else None
        if head is None or head != last:
            count += 1
        last = head
    return count


def _costs(world, prefix: str, n: int) -> tuple[int, ...]:
    rows = [row(f"{prefix}{i:04d}", f"Nguyễn Văn An {chr(65 + i % 26)}") for i in range(n)]
    changed = [{**r, "Môn dạy": "Toán"} for r in rows]
    costs = []
    for sheet_rows in (rows, changed):
        with CaptureQueriesContext(connection) as seen:
            preview(world, sheet_rows)
        costs.append(_round_trips(seen.captured_queries))
        with CaptureQueriesContext(connection) as seen:
            sheet = apply(world, sheet_rows)
        assert len(sheet.records) == n
        costs.append(_round_trips(seen.captured_queries))
    return tuple(costs)


def test_a_300_row_file_costs_the_queries_of_a_30_row_one(world):
    _costs(world, "W", 3)  # the school's first audit entry and search index write
    assert _costs(world, "A", 30) == _costs(world, "B", 300)
