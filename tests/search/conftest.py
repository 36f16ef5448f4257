"""Builders for the search tests: backends on real engines and small corpora."""

from __future__ import annotations

import datetime as dt
import os
import types
import uuid

import pytest

import search
from search.types import (
    ApprovedAccess,
    SearchDocument,
    SearchScope,
    WorkingAccess,
)

EVERYTHING = SearchScope(working=WorkingAccess(school_ids=None, whole_school=True))
APPROVED_ONLY_ALL = SearchScope(
    approved=ApprovedAccess(school_ids=None, states=("approved", "published", "signed"))
)


def services_required() -> bool:
    return os.environ.get("HOSO_REQUIRE_SERVICES") == "1"


def service_fixture(request, name: str):
    """A devservices session fixture; skip (or fail in CI) when it is unavailable.

    HOSO_TEST_ELASTICSEARCH_URL reuses a node already started by devservices.
    """
    url = os.environ.get("HOSO_TEST_ELASTICSEARCH_URL")
    if name == "elasticsearch_server" and url:
        return types.SimpleNamespace(url=url)
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        message = f"devservices fixture {name!r} is not available (devservices.pytest_plugin)"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)


def make_doc(page_id: int, title: str, body: str = "", **extra) -> SearchDocument:
    values = {
        "page_id": page_id,
        "variant": "working",
        "title": title,
        "body": body,
        "record_type": "other",
        "state": "draft",
        "school_id": 1,
        "school_name": "Trường Tiểu học Hòa Nghĩa",
        "school_year": "2024-2025",
        "date": dt.datetime(2024, 9, 1, tzinfo=dt.UTC) + dt.timedelta(days=page_id),
    }
    values.update(extra)
    return SearchDocument(**values)


def elasticsearch_config(url: str, **extra) -> dict:
    return {
        "BACKEND": "elasticsearch",
        "ELASTICSEARCH_URL": url,
        "INDEX_PREFIX": f"test-{uuid.uuid4().hex[:10]}",
        **extra,
    }


@pytest.fixture(params=["database", "elasticsearch"])
def backend_config(request, settings) -> dict:
    """HOSO_SEARCH for each backend; Elasticsearch is the real node of devservices."""
    if request.param == "database":
        config = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    else:
        server = service_fixture(request, "elasticsearch_server")
        config = elasticsearch_config(server.url)
    settings.HOSO_SEARCH = config
    search.reset_backend()
    yield config
    backend = search.get_backend(config)
    if request.param == "elasticsearch":
        backend.drop_all()
    search.reset_backend()


@pytest.fixture
def backend(backend_config, db):
    instance = search.get_backend(backend_config)
    instance.clear()
    return instance


@pytest.fixture
def db_backend(settings, db):
    """The database backend of the settings' own database, empty."""
    settings.HOSO_SEARCH = {"BACKEND": "database", "INDEX_PREFIX": "test"}
    search.reset_backend()
    backend = search.get_backend(settings.HOSO_SEARCH)
    backend.clear()
    yield backend
    search.reset_backend()


# --- a small district: two authorities, three schools, staff of every role ----


class Tree:
    """Handles on what `district` built; users by short name."""

    def __init__(self):
        self.authorities: dict = {}
        self.schools: dict = {}
        self.year_pages: dict = {}
        self.groups: dict = {}
        self.users: dict = {}
        self.staff: dict = {}


def _user(tree: Tree, name: str, *, school=None, authority=None, roles=(), superuser=False):
    from django.contrib.auth import get_user_model

    from recordpages.models import StaffProfile

    user = get_user_model().objects.create_user(
        username=name, password="x", is_superuser=superuser, is_staff=superuser
    )
    tree.users[name] = user
    if roles:
        staff = StaffProfile.objects.create(
            user=user, school=school, authority=authority, full_name=f"Nguyễn Văn {name}"
        )
        staff.roles.set(list(roles))
        tree.staff[name] = staff
    return user


@pytest.fixture
def district(db) -> Tree:
    """A1 (Dương Kinh) holds schools s1, s2; A2 holds s3. Staff of each role."""
    from wagtail.models import Page

    from recordpages.models import (
        AuthorityPage,
        ProfessionalGroup,
        ProfessionalGroupPage,
        RoleCode,
        School,
        SchoolPage,
        SchoolYear,
        SchoolYearPage,
    )

    tree = Tree()
    # A transactional test flushes the tree that migrations made; put a root back.
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    year = SchoolYear.objects.create(name="2024-2025", **SchoolYear.defaults_for(2024))
    tree.year = year
    for key, place in (("a1", "Dương Kinh"), ("a2", "Kiến Thụy")):
        tree.authorities[key] = root.add_child(
            instance=AuthorityPage(
                title=f"Phòng GD&ĐT {place}",
                kind="district_office",
                issuing_body=f"UBND QUẬN {place.upper()}",
                place_name=place,
            )
        )
    for key, authority, name in (
        ("s1", "a1", "Trường Tiểu học Hòa Nghĩa"),
        ("s2", "a1", "Trường Tiểu học Anh Dũng"),
        ("s3", "a2", "Trường Tiểu học Đại Đồng"),
    ):
        school = School.objects.create(code=key.upper(), name=name, place_name="Hải Phòng")
        tree.schools[key] = school
        school_page = tree.authorities[authority].add_child(instance=SchoolPage(school=school))
        year_page = school_page.add_child(instance=SchoolYearPage(school_year=year))
        tree.year_pages[key] = year_page
        group = ProfessionalGroup.objects.create(school=school, school_year=year, name="Tổ 1")
        tree.groups[key] = group
        group.page = year_page.add_child(instance=ProfessionalGroupPage(group=group))
    s1, s3 = tree.schools["s1"], tree.schools["s3"]
    _user(tree, "admin", superuser=True)
    _user(tree, "principal", school=s1, roles=[RoleCode.PRINCIPAL])
    _user(tree, "vice", school=s1, roles=[RoleCode.VICE_PRINCIPAL])
    _user(tree, "leader", school=s1, roles=[RoleCode.GROUP_LEADER, RoleCode.TEACHER])
    _user(tree, "teacher", school=s1, roles=[RoleCode.TEACHER])
    _user(tree, "clerk", school=s1, roles=[RoleCode.CLERK])
    _user(tree, "teacher3", school=s3, roles=[RoleCode.TEACHER])
    _user(tree, "office", authority=tree.authorities["a1"], roles=[RoleCode.DISTRICT_OFFICE])
    _user(tree, "inspector", authority=tree.authorities["a1"], roles=[RoleCode.INSPECTOR])
    _user(tree, "inspector_all", roles=[RoleCode.INSPECTOR])
    _user(tree, "nobody")
    tree.groups["s1"].leader = tree.staff["leader"]
    tree.groups["s1"].save()
    return tree


@pytest.fixture(scope="module")
def dedicated_elasticsearch():
    """A node of our own that a test may stop and start (the shared one must stay up)."""
    from devservices.elasticsearch import ElasticsearchServer
    from devservices.pytest_plugin import _serve

    yield from _serve("Elasticsearch (dedicated node)", ElasticsearchServer)


def add_other_record(tree: Tree, school_key: str, title: str, text: str, *, author=None, **extra):
    """An OtherRecordPage with one section of rich text, and its workflow row."""
    import json

    from recordpages.models import OtherRecordPage
    from workflow.models import RecordState

    page = OtherRecordPage(
        title=title,
        category="Biên bản sinh hoạt chuyên môn",
        deadline=dt.date(2024, 10, 15),
        author=author,
        body=json.dumps(
            [{"type": "section", "value": {"heading": "Nội dung", "body": f"<p>{text}</p>"}}]
        ),
        **extra,
    )
    tree.year_pages[school_key].add_child(instance=page)
    page.save_revision()
    values = {
        "record_type": "other",
        "school": tree.schools[school_key],
        "school_year": tree.year,
        "author": author,
    }
    # The workflow creates the state row when the page is saved; older trees did not.
    if not RecordState.objects.filter(page_id=page.pk).update(**values):
        RecordState.objects.create(page=page, **values)
    return page


def edit_record(page, text: str):
    """Save a new draft revision with a different section text."""
    import json

    from recordpages.guards import guards_bypassed

    page = page.get_latest_revision_as_object()
    page.body = json.dumps(
        [{"type": "section", "value": {"heading": "Nội dung", "body": f"<p>{text}</p>"}}]
    )
    with guards_bypassed():  # an approved record is edited through a correction; not tested here
        return page.save_revision()


def approve_record(page, revision=None) -> None:
    """Pin a revision as approved, as the workflow service will (state is protected)."""
    from django.utils import timezone

    from workflow.models import RecordState

    revision = revision or page.get_latest_revision()
    RecordState.objects.filter(page_id=page.pk).update(
        state="approved", approved_revision=revision, approved_at=timezone.now()
    )
