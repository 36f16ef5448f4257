"""Quy trình ký của trường (issue 13): the principal (and the school's system
administrator) reads the signer chain of every record type and of the school's own
categories, in order, with who signs and how; nobody else may, and a principal sees
only their own school's categories."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from recordpages import registry
from recordpages.models import RecordCategory
from tests.factories import school_world

pytestmark = pytest.mark.django_db

URL = "/admin/ky-so/quy-trinh/"


def _chain(body: str, name: str) -> str:
    """The section of the page for the record type or category called `name`."""
    match = re.search(
        rf'<section class="signer-chain">\s*<h3>{re.escape(name)}</h3>(.*?)</section>', body, re.S
    )
    assert match, f"no chain for {name}"
    return match.group(1)


def test_the_chains_screen_is_where_its_menu_points():
    assert reverse("signatures_admin:chains") == URL


def test_the_principal_sees_the_hoc_ba_chain_in_order_with_who_and_how(client):
    world = school_world()
    client.force_login(world.staff["hn.hieutruong"].user)

    response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    hoc_ba = _chain(body, "Học bạ")
    assert "Giáo viên chủ nhiệm → Hiệu trưởng → Đóng dấu (văn thư)" in hoc_ba
    rows = re.findall(r"<tr[^>]*>\s*<td>(\d)</td>(.*?)</tr>", hoc_ba, re.S)
    assert [n for n, _ in rows] == ["1", "2", "3"]
    assert "Giáo viên chủ nhiệm" in rows[0][1] and "Chữ ký cá nhân" in rows[0][1]
    assert "Hiệu trưởng hoặc Phó hiệu trưởng được phân công" in rows[1][1]
    assert "Văn thư" in rows[2][1] and "Con dấu của trường" in rows[2][1]
    assert "Lần lượt" in rows[0][1]
    # Every record type of the registry is listed.
    for rules in registry.all_types():
        _chain(body, str(rules.label))


def test_a_chain_without_the_clerks_seal_shows_the_seal_the_archive_adds(client):
    world = school_world()
    client.force_login(world.staff["hn.hieutruong"].user)
    rules = registry.get("group_plan")
    assert not any(step.seal for step in rules.signature_steps)

    body = client.get(URL).content.decode()

    chain = _chain(body, str(rules.label))
    assert chain.count('class="automatic-seal"') == 1
    assert "Chữ ký số của nhà trường" in chain
    assert "hệ thống tự ký khi lưu trữ" in chain


def test_the_schools_system_administrator_sees_the_chains(client):
    world = school_world()
    client.force_login(world.staff["hn.quantri"].user)  # a teacher and the sysadmin
    response = client.get(URL)
    assert response.status_code == 200
    assert "Giáo viên chủ nhiệm → Hiệu trưởng → Đóng dấu (văn thư)" in response.content.decode()


@pytest.mark.parametrize("username", ["hn.giaovien", "hn.vanthu", "phong.gd"])
def test_others_than_the_principal_and_sysadmin_are_refused_with_403(client, username):
    world = school_world()
    client.force_login(world.staff[username].user)

    response = client.get(URL)

    body = response.content.decode()
    assert response.status_code == 403
    assert "chỉ hiệu trưởng hoặc cán bộ quản trị hệ thống của trường xem được" in body
    assert '<section class="signer-chain">' not in body


def test_a_principal_sees_only_their_own_schools_categories(client):
    mine = school_world()
    theirs = school_world(code="THAD", name="Trường Tiểu học Anh Dũng", with_authority_staff=False)
    RecordCategory.objects.create(
        school=mine.school, name="Hồ sơ phổ cập giáo dục", path=registry.CategoryPath.PAPER
    )
    RecordCategory.objects.create(school=theirs.school, name="Sổ theo dõi bán trú")
    client.force_login(theirs.staff["ad.hieutruong"].user)

    body = client.get(URL).content.decode()

    assert "Sổ theo dõi bán trú" in body
    assert "Hồ sơ phổ cập giáo dục" not in body
    chain = _chain(body, "Sổ theo dõi bán trú")
    assert "Người lập → Người duyệt → Chữ ký số của nhà trường" in chain
    client.force_login(mine.staff["hn.hieutruong"].user)
    paper = _chain(client.get(URL).content.decode(), "Hồ sơ phổ cập giáo dục")
    assert "Người lập → Người duyệt → Đóng dấu (văn thư)" in paper
    assert "Người lập hồ sơ hoặc Hiệu trưởng" in paper


def test_the_menu_shows_the_chains_to_the_principal_only(client):
    world = school_world()
    client.force_login(world.staff["hn.hieutruong"].user)
    assert URL in client.get("/admin/").content.decode()
    client.force_login(world.staff["hn.giaovien"].user)
    assert URL not in client.get("/admin/").content.decode()
