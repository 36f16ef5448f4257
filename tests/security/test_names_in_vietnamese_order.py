"""Names read family name first, as Vietnamese names do (Nguyễn Thị Lan), wherever
the product or Wagtail shows who someone is."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from wagtail.admin.utils import get_user_display_name

from workflow.audit import audit_append


@pytest.mark.django_db
def test_a_users_full_name_is_family_name_first():
    user = get_user_model().objects.create_user("lan.nt", first_name="Lan", last_name="Nguyễn Thị")
    assert user.get_full_name() == "Nguyễn Thị Lan"
    assert get_user_display_name(user) == "Nguyễn Thị Lan"  # Wagtail's own screens
    entry = audit_append(action="test.name", actor=user)
    assert entry.actor_name == "Nguyễn Thị Lan"


@pytest.mark.django_db
def test_a_single_name_has_no_stray_space():
    user = get_user_model().objects.create_user("an", first_name="An")
    assert user.get_full_name() == "An"
