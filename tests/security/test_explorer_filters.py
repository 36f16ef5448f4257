"""The page explorer's "owner" (Chủ sở hữu) and "edited by" filters offer only people
the viewer may see (issue 18): Wagtail draws them from the whole page tree, which
would show a teacher of one school the names of another school's staff. The
authority's staff see every school of their district."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from wagtail.models import PageLogEntry

from tests.conftest import kept_for_module
from tests.factories import two_school_worlds, year_page_of


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    """Hòa Nghĩa and Anh Dũng, each with a lesson plan owned by its teacher and edited
    by its group leader."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            ours, theirs = two_school_worlds()
            # Both worlds name their group leader alike: Anh Dũng's is renamed.
            leader = theirs.staff["ad.totruong1"]
            get_user_model().objects.filter(pk=leader.user_id).update(
                first_name="Bích Thủy", last_name="Lê"
            )
            leader.user.refresh_from_db()
            leader.full_name = "Lê Bích Thủy"
            leader.save(update_fields=["full_name"])
            for world, leader in ((ours, "hn.totruong1"), (theirs, "ad.totruong1")):
                plan = world.records["lesson_plan"]
                PageLogEntry.objects.log_action(plan, "wagtail.edit", user=world.user(leader))
        yield ours, theirs


def _names(world, username: str) -> list[str]:
    """How a person may be shown: username, account name, staff name."""
    user = world.user(username)
    return [user.username, user.get_full_name(), world.staff[username].full_name]


def _explorer(username: str, world) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(f"/admin/pages/{year_page_of(world.school, world.year).pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _shown(content: str, world, usernames: list[str]) -> list[str]:
    return [name for username in usernames for name in _names(world, username) if name in content]


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["hn.giaovien", "hn.hieutruong"])
def test_a_school_user_is_offered_no_other_schools_staff_as_owner_or_editor(worlds, viewer):
    ours, theirs = worlds
    content = _explorer(viewer, ours)
    assert _shown(content, theirs, ["ad.gv1b", "ad.totruong1"]) == []
    # The filters are still there, with the school's own people.
    assert 'name="owner"' in content and 'name="edited_by"' in content
    assert ours.user("hn.giaovien").get_full_name() in content
    assert ours.user("hn.totruong1").get_full_name() in content


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["thanh.tra", "phong.gd"])
def test_the_authority_is_offered_the_staff_of_every_school_in_its_district(worlds, viewer):
    ours, theirs = worlds
    content = _explorer(viewer, theirs)
    names = [theirs.user(u).get_full_name() for u in ("ad.gv1b", "ad.totruong1")]
    names += [ours.user(u).get_full_name() for u in ("hn.giaovien", "hn.totruong1")]
    assert [name for name in names if name not in content] == []
