"""The Elasticsearch queries: who may see what (scope), the filters, and the tiers of
a text match. Private to search.backends.elasticsearch; filters go in filter context
so the engine caches them.
"""

from __future__ import annotations

from elasticsearch_dsl import Q

from search.types import APPROVED, ApprovedAccess, SearchQuery, SearchScope, WorkingAccess
from search.vietnamese import NEAR, Clause, Matching

# Tier boosts far apart, so that BM25 (tens at most) orders only within a tier.
EXACT_TIER_BOOST = 1_000_000.0
FULL_BOOST = 10_000.0
PHRASE_BOOST = 1_000.0


def _working_q(access: WorkingAccess) -> Q:
    parts = []
    if access.school_ids is not None:
        parts.append(Q("terms", school_id=list(access.school_ids)))
    if not access.whole_school:
        own = []
        if access.author_id is not None:
            own.append(Q("term", author_id=access.author_id))
        if access.group_ids:
            own.append(Q("terms", group_id=list(access.group_ids)))
        parts.append(Q("bool", should=own, minimum_should_match=1) if own else Q("match_none"))
    return Q("bool", filter=parts) if parts else Q("match_all")


def _approved_q(access: ApprovedAccess) -> Q:
    parts = [Q("terms", state=list(access.states))]
    if access.school_ids is not None:
        parts.append(Q("terms", school_id=list(access.school_ids)))
    if access.record_types is not None:
        parts.append(Q("terms", record_type=list(access.record_types)))
    return Q("bool", filter=parts)


def scope_q(scope: SearchScope) -> Q:
    branches = []
    if scope.working is not None:
        branches.append(Q("bool", filter=[Q("term", variant="working"), _working_q(scope.working)]))
    if scope.approved is not None:
        must_not = [_working_q(scope.working)] if scope.working is not None else []
        branches.append(
            Q(
                "bool",
                filter=[Q("term", variant=APPROVED), _approved_q(scope.approved)],
                must_not=must_not,
            )
        )
    if not branches:
        return Q("match_none")
    return Q("bool", should=branches, minimum_should_match=1)


def _filters_q(query: SearchQuery) -> list[Q]:
    f = query.filters
    values = {
        "school_id": f.school_ids,
        "school_year": f.years,
        "record_type": f.record_types,
        "state": f.states,
        "grade": f.grades,
        "subject": f.subjects,
    }
    return [Q("terms", **{field: list(v)}) for field, v in values.items() if v]


def _clauses_q(clauses: list[Clause], field: str, *, required: int | None = None) -> list[Q]:
    """Every clause on `field`: the words in one query (`required` of them; all
    unless given), each phrase in its own."""
    plan = Matching(tuple(clauses))
    parts = []
    if plan.words:
        words = " ".join(c.text for c in plan.words)
        least = len(plan.words) if required is None else required
        parts.append(Q("match", **{field: {"query": words, "minimum_should_match": least}}))
    parts.extend(Q("match_phrase", **{field: c.text}) for c in plan.phrases)
    return parts


def _matches_q(clauses: list[Clause]) -> list[Q]:
    return _clauses_q(clauses, "text", required=Matching(tuple(clauses)).required)


def _exact_q(clauses: list[Clause]) -> Q:
    return Q("bool", filter=_clauses_q(clauses, "text_exact"))


def _ranked_q(clauses: list[Clause]) -> Q:
    """Relevance in tiers, as on the database backend: the exact tier far above the
    rest, then every clause present (a long query matches with most), then the
    whole query standing together; within a tier BM25, raised when the words stand
    within NEAR of each other and a little by a title match."""
    plan = Matching(tuple(clauses))
    words = " ".join(c.text for c in plan.words)
    should = [Q("constant_score", filter=_exact_q(clauses), boost=EXACT_TIER_BOOST)]
    if not plan.complete:
        should.append(
            Q(
                "constant_score",
                filter=Q("bool", filter=_clauses_q(clauses, "text")),
                boost=FULL_BOOST,
            )
        )
    if plan.proximity:
        together = " ".join(plan.proximity)
        should.append(
            Q("constant_score", filter=Q("match_phrase", text=together), boost=PHRASE_BOOST)
        )
        should.append(Q("match_phrase", text={"query": together, "slop": NEAR, "boost": 2.0}))
    if words:
        should.append(Q("match", title={"query": words, "operator": "and", "boost": 2.0}))
    return Q("bool", must=_matches_q(clauses), should=should)
