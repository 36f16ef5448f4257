"""Scope matrix: no role ever receives a hit, a snippet or a facet count from a
record outside its scope, on either backend."""

from __future__ import annotations

import itertools

import pytest
from conftest import make_doc
from django.contrib.auth.models import AnonymousUser

from search.scope import search_scope_for
from search.types import SearchQuery
from workflow.choices import APPROVED_STATES

STATES = ["draft", "submitted", "checked", "returned", "approved", "published", "signed"]
LEADERS = {"principal", "vice"}
ROLES = [
    "admin",
    "principal",
    "vice",
    "leader",
    "teacher",
    "clerk",
    "teacher3",
    "office",
    "inspector",
    "inspector_all",
    "nobody",
    "anonymous",
]


def secret(doc) -> str:
    """A word only this document contains, to probe for leaks by direct search."""
    return f"bimat{doc.page_id}x{doc.variant}"


def corpus(tree):
    """Every combination of school, state, type, author and group, both variants."""
    docs = []
    page_id = 0
    authors = [None, tree.staff["teacher"].pk, tree.staff["leader"].pk, tree.staff["teacher3"].pk]
    for school_key, state, record_type, author, in_group in itertools.product(
        ["s1", "s2", "s3"], STATES, ["school_plan", "lesson_plan"], authors, [False, True]
    ):
        page_id += 1
        school = tree.schools[school_key]
        variants = ["working"] + (["approved"] if state in APPROVED_STATES else [])
        for variant in variants:
            doc = make_doc(
                page_id,
                f"Kế hoạch {page_id}",
                "",
                variant=variant,
                state=state,
                record_type=record_type,
                school_id=school.pk,
                school_name=school.name,
                author_id=author,
                group_id=tree.groups[school_key].pk if in_group else None,
            )
            docs.append(doc.__class__(**{**doc.__dict__, "body": f"Nội dung {secret(doc)}"}))
    return docs


def expected(tree, role: str, doc) -> bool:
    """The rule, written out plainly, independently of search.scope."""
    s1, a1 = tree.schools["s1"].pk, {tree.schools["s1"].pk, tree.schools["s2"].pk}
    approved = doc.variant == "approved" and doc.state in APPROVED_STATES
    if role == "admin":
        return doc.variant == "working"
    if role in ("office", "inspector"):
        return approved and doc.school_id in a1
    if role == "inspector_all":
        return approved
    if role in ("nobody", "anonymous"):
        return (
            doc.variant == "approved"
            and doc.record_type == "school_plan"
            and doc.state == "published"
        )
    school = tree.schools["s3"].pk if role == "teacher3" else s1
    if doc.school_id != school:
        return False
    if role in LEADERS:
        return doc.variant == "working"
    staff = tree.staff[role]
    own = doc.author_id == staff.pk or (role == "leader" and doc.group_id == tree.groups["s1"].pk)
    return doc.variant == "working" if own else approved


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_anything_outside_its_scope(backend, district, role):
    docs = corpus(district)
    backend.index(docs)
    backend.refresh()
    user = AnonymousUser() if role == "anonymous" else district.users[role]
    scope = search_scope_for(user)
    allowed = {(d.page_id, d.variant) for d in docs if expected(district, role, d)}

    results = backend.query(SearchQuery(text="ke hoach", per_page=100, sort="date"), scope)
    pages = [results]
    for number in range(2, results.num_pages + 1):
        pages.append(
            backend.query(
                SearchQuery(text="ke hoach", page=number, per_page=100, sort="date"), scope
            )
        )
    seen = [(h.page_id, h.variant) for page in pages for h in page.hits]

    assert set(seen) == allowed
    assert len(seen) == len(set(seen)), "a record appeared twice"
    assert len({page_id for page_id, _ in seen}) == len(seen), "two versions of one record"
    assert results.total == len(allowed)
    for name, values in results.facets.items():
        assert sum(f.count for f in values) <= len(allowed), name
    assert sum(f.count for f in results.facets["state"]) == len(allowed)
    assert sum(f.count for f in results.facets["school"]) == len(allowed)
    visible_states = {d.state for d in docs if (d.page_id, d.variant) in allowed}
    assert {f.value for f in results.facets["state"]} == visible_states

    # Searching for an out-of-scope record's own words finds nothing, not even a count.
    outside = [d for d in docs if (d.page_id, d.variant) not in allowed]
    for doc in outside[:: max(1, len(outside) // 12)]:
        probe = backend.query(SearchQuery(text=secret(doc)), scope)
        assert probe.total == 0 and probe.hits == [], (role, doc.page_id, doc.variant)
        assert all(not values for values in probe.facets.values())
    assert all(secret_word_is_own(hit, docs) for page in pages for hit in page.hits)


def secret_word_is_own(hit, docs) -> bool:
    return f"bimat{hit.page_id}x{hit.variant}" in hit.snippet or "bimat" not in hit.snippet


def test_authority_readers_never_receive_a_draft(backend, district):
    docs = corpus(district)
    backend.index(docs)
    backend.refresh()
    for role in ("office", "inspector", "inspector_all"):
        results = backend.query(
            SearchQuery(text="", per_page=100), search_scope_for(district.users[role])
        )
        assert results.total > 0
        assert all(hit.state in APPROVED_STATES for hit in results.hits)
        assert all(hit.variant == "approved" for hit in results.hits)
