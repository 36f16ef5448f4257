"""Opening an editor (issue #18): the học bạ's and a lesson plan's, at a fixed number of
queries, under 150 KB, and with a bounded amount of drawing, the measure of its CPU
time that does not depend on the machine (benchmarks/editor.py prints the milliseconds)."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext

from recordpages import registry
from recordpages.models import StudentRecordPage
from tests.conftest import kept_for_module
from tests.factories import school_world

MAX_KB = 150
# Queries of a warm open (SQLite and PostgreSQL alike). Before: 44 for the học bạ (its
# comments and their subscriptions were read), then 37 until Wagtail's comments were
# switched off (cms.settings.base: the lesson plan's form no longer reads the writer's
# subscription), then 35 and 33: rights in one query, and a record's lock check reads
# no scheduled revision (records are never scheduled), then 34 and 32: the sidebar is
# built once per sign-in (accounts/furniture.py), not asking for collection grants.
QUERIES = {"student_record": 34, "lesson_plan": 32}
# Templates drawn per open. Before: 418 for the học bạ (a Settings tab with its
# publishing and comments panels, the grids' counts through Django's form template).
MAX_TEMPLATES = {"student_record": 345, "lesson_plan": 460}


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with kept_for_module(django_db_blocker), django_db_blocker.unblock():
        world = school_world()
        yield SimpleNamespace(
            teacher=world.user("hn.giaovien"),
            pages={kind: world.records[kind].pk for kind in QUERIES},
        )


@pytest.fixture
def world(_world, db, client):
    client.force_login(_world.teacher)
    return _world


def open_editor(client, page_id: int) -> tuple[bytes, int, Counter]:
    """One warm open: its HTML, its queries and the templates it drew."""
    url = f"/admin/pages/{page_id}/edit/"
    assert client.get(url).status_code == 200
    drawn: Counter = Counter()

    def count(sender, template, **kwargs):
        drawn[template.name] += 1

    template_rendered.connect(count)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
    finally:
        template_rendered.disconnect(count)
    assert response.status_code == 200
    return response.content, len(queries), drawn


@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_an_editor_opens_in_fixed_queries_and_bounded_drawing(client, world, kind):
    _content, queries, drawn = open_editor(client, world.pages[kind])
    assert queries == QUERIES[kind]
    assert sum(drawn.values()) <= MAX_TEMPLATES[kind], drawn.most_common(12)


def test_the_hocba_editor_is_light_and_has_no_settings_tab(client, world):
    content, _queries, drawn = open_editor(client, world.pages["student_record"])
    assert len(content) < MAX_KB * 1024
    # The two grids' counts and rows are drawn in Python, once per grid.
    assert drawn["recordpages/grid_panel.html"] == 2
    assert drawn["django/forms/div.html"] == 0
    assert content.count(b'name="subject_results-TOTAL_FORMS"') == 1
    # A record is published by its workflow: no Settings tab, no scheduling, no comments.
    assert drawn["wagtailadmin/panels/publishing/schedule_publishing_panel.html"] == 0
    assert drawn["wagtailadmin/shared/side_panels/comments.html"] == 0
    assert b'name="go_live_at"' not in content


def test_the_hocba_editor_reads_its_own_record_not_its_classmates(client, world):
    """The permission check of an editor asks about one page: its class's other
    records (thirty-five in a class) are not loaded, as an explorer listing does."""
    url = f"/admin/pages/{world.pages['student_record']}/edit/"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    by_parent = [
        q["sql"].split(" WHERE ", 1)[1]
        for q in queries.captured_queries
        if 'FROM "workflow_recordstate"' in q["sql"] and "LIKE" in q["sql"]
    ]
    assert by_parent
    assert all('"workflow_recordstate"."page_id" = ' in where for where in by_parent), by_parent


def test_a_warm_open_builds_no_form_class(client, world, monkeypatch):
    """The page form and its formset classes are built once per page type (2 ms of
    every open and save of the học bạ, issue 18)."""
    from wagtail.admin.panels import base

    for kind in QUERIES:
        open_editor(client, world.pages[kind])  # the first opens build what they build
    built = []
    original = base.get_form_for_model
    monkeypatch.setattr(
        base, "get_form_for_model", lambda *a, **kw: built.append(a) or original(*a, **kw)
    )
    for kind in QUERIES:
        open_editor(client, world.pages[kind])
    assert built == []
    for model in registry.page_models():
        handler = model.get_edit_handler()
        assert handler.get_form_class() is model.get_edit_handler().get_form_class(), model
        assert handler.get_form_class()._meta.model is model


def test_grid_row_forms_share_widgets_and_choices_not_fields(world):
    """Row forms share their fields' widgets and choices (the grid draws its own
    cells); each keeps its own fields, whose flags Wagtail sets on one form (a draft's
    deferred `required`)."""
    page = StudentRecordPage.objects.get(pk=world.pages["student_record"])
    form = StudentRecordPage.get_edit_handler().get_form_class()(instance=page, for_user=None)
    first, second = form.formsets["subject_results"].forms[:2]
    assert first.fields["level"] is not second.fields["level"]
    assert first.fields["level"].widget is second.fields["level"].widget
    assert first.fields["level"]._choices is second.fields["level"]._choices
    first.fields["subject"].required = False
    assert second.fields["subject"].required
