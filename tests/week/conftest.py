import pytest

from tests.factories.world import school_world


@pytest.fixture
def world(db):
    return school_world()


@pytest.fixture
def teacher(world):
    """hn.giaovien: homeroom teacher of 1B, member of Tổ 1, with a week-12 plan."""
    return world.staff["hn.giaovien"]


@pytest.fixture
def plan(world):
    return world.records["lesson_plan"].specific
