"""`manage.py search_reindex`: progress output, and search keeps answering meanwhile."""

from __future__ import annotations

from io import StringIO

import pytest
from conftest import EVERYTHING, add_other_record, make_doc
from django.core.management import call_command

from search import services
from search.scope import search_scope_for
from search.services import search_drain, search_enqueue
from search.types import SearchQuery

pytestmark = pytest.mark.django_db


def found(backend, user, text: str) -> list[int]:
    results = backend.query(SearchQuery(text=text), search_scope_for(user))
    return sorted(hit.page_id for hit in results.hits)


def test_search_reindex_reports_progress_and_search_answers_during_the_rebuild(
    backend, district, monkeypatch
):
    principal = district.users["principal"]
    pages = [
        add_other_record(district, "s1", f"Biên bản {i}", "Chuyên đề đọc hiểu") for i in range(3)
    ]
    page_ids = sorted(page.pk for page in pages)
    search_enqueue(page_ids=page_ids)
    search_drain()
    backend.refresh()
    assert found(backend, principal, "doc hieu") == page_ids

    during: list[list[int]] = []
    original = services.all_documents

    def watched(**kwargs):
        for number, document in enumerate(original(**kwargs)):
            if number == 2 and backend.name == "elasticsearch":
                # Half-way through the rebuild, from the reader's side: the old index.
                during.append(found(backend, principal, "doc hieu"))
            yield document

    monkeypatch.setattr(services, "all_documents", watched)
    out, err = StringIO(), StringIO()
    call_command("search_reindex", stdout=out, stderr=err)

    assert f"Rebuilding the {backend.name} search index from 3 records" in out.getvalue()
    assert "Indexed 3 documents" in out.getvalue()
    progress = err.getvalue()
    assert "search_reindex" in progress and "3/3" in progress
    if backend.name == "elasticsearch":
        assert during == [page_ids]
    backend.refresh()
    assert found(backend, principal, "doc hieu") == page_ids


@pytest.mark.parametrize("backend_config", ["elasticsearch"], indirect=True)
def test_elasticsearch_rebuild_switches_the_alias_and_drops_the_old_index(backend):
    # Only Elasticsearch has an alias; the database backend rebuilds inside one transaction.
    backend.index([make_doc(1, "Kế hoạch cũ")])
    backend.refresh()
    before = set(backend.client.indices.get_alias(name=backend.alias))
    seen: list[list[int]] = []

    def documents():
        for page_id in range(1, 1201):
            if page_id % 400 == 0:
                results = backend.query(SearchQuery(text="ke hoach cu"), EVERYTHING)
                seen.append([hit.page_id for hit in results.hits])
            yield make_doc(page_id, "Kế hoạch cũ" if page_id == 1 else f"Bài {page_id}")

    assert backend.rebuild(documents()) == 1200
    after = set(backend.client.indices.get_alias(name=backend.alias))
    assert seen == [[1], [1], [1]]  # the old index answered all along
    assert len(after) == 1 and not after & before
    assert not backend.client.indices.exists(index=",".join(before), allow_no_indices=False)
    assert backend.query(SearchQuery(text="bai 1200"), EVERYTHING).total == 1
