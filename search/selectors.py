"""Reads: run a search for a user, inside their scope, with labelled facets."""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext as _

from recordpages import programme, registry
from recordpages.models.people import School
from search import get_backend
from search.scope import public_scope, search_scope_for
from search.types import FacetCount, SearchQuery, SearchResults
from workflow.choices import State

MAX_PER_PAGE = 100


def search_records(*, user, query: SearchQuery) -> SearchResults:
    """Search as `user`: the scope goes into the engine query itself."""
    query = replace(
        query, per_page=min(max(query.per_page, 1), MAX_PER_PAGE), page=max(query.page, 1)
    )
    scope = search_scope_for(user)
    results = get_backend().query(query, scope)
    results.public = scope == public_scope()
    results.facets = label_facets(results.facets)
    return results


def label_facets(facets: dict[str, list[FacetCount]]) -> dict[str, list[FacetCount]]:
    """Vietnamese labels for raw facet values (names are looked up, never filtered)."""
    school_ids = [int(f.value) for f in facets.get("school", []) if f.value.isdigit()]
    schools = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    types = dict(registry.choices())
    states = dict(State.choices)
    subjects = dict(programme.SUBJECT_CHOICES)

    def label(name: str, value: str) -> str:
        if name == "school":
            return schools.get(int(value), value) if value.isdigit() else value
        if name == "record_type":
            return str(types.get(value, value))
        if name == "state":
            return str(states.get(value, value))
        if name == "subject":
            return str(subjects.get(value, value))
        if name == "grade":
            return _("Khối %(grade)s") % {"grade": value}
        return value

    return {
        name: [FacetCount(f.value, f.count, label(name, f.value)) for f in values]
        for name, values in facets.items()
    }
