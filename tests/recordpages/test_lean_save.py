"""What a record's save no longer reads (issue 18), and the rules it still keeps: a
slug checked only when it changed, permissions read in one query, no scheduling and
no comments on records, Wagtail's two index tasks queued as one.

The data is one factory-made school (tests.factories.school_world), built once.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from modelsearch import index
from wagtail.models import COMMENTS_RELATION_NAME, Page, ReferenceIndex

from accounts.backends import PermissionsBackend
from recordpages import registry
from recordpages.revision_copy import no_comments
from recordpages.tasks import refresh_wagtail_indexes
from tests.conftest import kept_for_module
from tests.factories import school_world


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world()
        yield SimpleNamespace(
            world=world,
            teacher=world.user("hn.giaovien"),
            record_ids=[page.pk for page in world.records.values()],
            lesson_id=world.records["lesson_plan"].pk,
        )


@pytest.fixture
def world(_world, db):
    return _world


def _record_with_a_sibling(world) -> tuple[Page, Page]:
    for page_id in world.record_ids:
        page = Page.objects.get(pk=page_id).specific
        sibling = page.get_siblings(inclusive=False).first()
        if sibling is not None:
            return page, sibling
    raise AssertionError("the world has no two records side by side")


def _slug_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"wagtailcore_page"."slug" =' in q["sql"]]


def _old_row_reads(queries, page) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and f'"wagtailcore_page"."id" = {page.pk}' in q["sql"]
        and '"wagtailcore_page"."slug"' in q["sql"]
    ]


def test_a_slug_taken_by_a_sibling_is_still_refused(world):
    page, sibling = _record_with_a_sibling(world)
    page.slug = sibling.slug
    with pytest.raises(ValidationError) as refused:
        page.full_clean()
    assert "slug" in refused.value.message_dict


def test_an_unchanged_slug_is_not_checked_again_and_the_rest_is_written(world):
    page, _sibling = _record_with_a_sibling(world)
    slug, url_path = page.slug, page.url_path
    page.title = "Tên mới của hồ sơ"
    page.draft_title = page.title
    page.has_title_scheme = False
    with CaptureQueriesContext(connection) as queries:
        page.full_clean()
        page.save(clean=False)
    assert not _slug_reads(queries)
    assert not _old_row_reads(queries, page)
    stored = Page.objects.get(pk=page.pk)
    assert (stored.draft_title, stored.slug, stored.url_path) == (page.title, slug, url_path)


def test_a_changed_slug_is_checked_and_moves_its_url(world):
    page, _sibling = _record_with_a_sibling(world)
    old_url = page.url_path
    page.slug = "ho-so-doi-ten"
    with CaptureQueriesContext(connection) as queries:
        page.full_clean()
        page.save(clean=False)
    assert _slug_reads(queries)
    stored = Page.objects.get(pk=page.pk)
    assert stored.slug == "ho-so-doi-ten"
    assert stored.url_path == old_url.rsplit("/", 2)[0] + "/ho-so-doi-ten/"

    # Saved, the new slug is the row's: the next save does not check it again.
    with CaptureQueriesContext(connection) as queries:
        page.full_clean()
    assert not _slug_reads(queries)


def test_permissions_are_read_in_one_query_as_djangos_backend_reads_them_in_two(world):
    group = Group.objects.create(name="Tổ thử quyền")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user = User.objects.create_user("thu.quyen", password="x")
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(codename="view_pagelogentry"))
    wanted = ModelBackend().get_all_permissions(User.objects.get(pk=user.pk))
    assert {"wagtailadmin.access_admin", "wagtailcore.view_pagelogentry"} <= wanted

    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert PermissionsBackend().get_all_permissions(fresh) == wanted
        assert fresh.has_perm("wagtailadmin.access_admin")
    assert len(queries) == 1

    teacher = User.objects.get(pk=world.teacher.pk)
    assert PermissionsBackend().get_all_permissions(teacher) == ModelBackend().get_all_permissions(
        User.objects.get(pk=teacher.pk)
    )
    fresh.is_active = False
    del fresh._perm_cache
    assert PermissionsBackend().get_all_permissions(fresh) == set()


def test_a_superuser_has_every_permission(world):
    admin = User.objects.create_superuser("quan.tri.thu", password="x")
    assert PermissionsBackend().get_all_permissions(admin) == ModelBackend().get_all_permissions(
        User.objects.get(pk=admin.pk)
    )


def test_no_record_editor_offers_a_go_live_time_and_no_record_is_scheduled(world):
    for model in registry.page_models():
        form_class = model.get_edit_handler().get_form_class()
        assert "go_live_at" not in form_class.base_fields, model
        assert "expire_at" not in form_class.base_fields, model
    page = Page.objects.get(pk=world.record_ids[0]).specific
    assert page.scheduled_revision is None
    assert page.get_lock() is None


def test_with_comments_off_a_records_comments_are_none_in_memory_and_never_read(world):
    page = Page.objects.get(pk=world.record_ids[0]).specific
    no_comments(page)
    with CaptureQueriesContext(connection) as queries:
        assert list(getattr(page, COMMENTS_RELATION_NAME).all()) == []
        page.serializable_data()
    assert not [q for q in queries.captured_queries if "wagtailcore_comment" in q["sql"]]


@override_settings(WAGTAILADMIN_COMMENTS_ENABLED=True)
def test_with_comments_on_a_records_comments_are_read_from_the_table(world):
    page = Page.objects.get(pk=world.record_ids[0]).specific
    no_comments(page)
    assert COMMENTS_RELATION_NAME not in getattr(page, "_cluster_related_objects", {})


def test_one_task_refreshes_wagtails_reference_index_and_page_search(world):
    page = Page.objects.get(pk=world.lesson_id).specific
    model = type(page)
    references = ReferenceIndex.objects.filter(object_id=str(page.pk))
    references.delete()
    index.remove_object(page)
    words = page.title.split(" – ")[0]
    assert page.pk not in {hit.pk for hit in model.objects.search(words)}
    refresh_wagtail_indexes.call(model._meta.app_label, model._meta.model_name, str(page.pk))
    assert references.exists()
    assert page.pk in {hit.pk for hit in model.objects.search(words)}

    # A page deleted before its task ran: nothing to index, and no error.
    refresh_wagtail_indexes.call(model._meta.app_label, model._meta.model_name, "987654")
