"""Turn an account into a SearchScope, from the one permission policy
(recordpages.permissions.get_scope) and the workflow's approved states."""

from __future__ import annotations

from recordpages import registry
from recordpages.models.people import ProfessionalGroup, RoleCode
from recordpages.permissions import get_scope, visible_schools
from search.types import ApprovedAccess, SearchScope, WorkingAccess
from workflow.choices import APPROVED_STATES, State

# Roles that read every working version of their school (R3: leadership manages records).
SCHOOL_DRAFT_READERS = frozenset({RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL})
_APPROVED = tuple(sorted(str(state) for state in APPROVED_STATES))


def public_scope() -> SearchScope:
    """What a visitor may search: the published versions of the record types whose
    path publishes them (the school plan, R10), whatever their school."""
    return SearchScope(
        approved=ApprovedAccess(
            school_ids=None, states=(str(State.PUBLISHED),), record_types=published_types()
        )
    )


def published_types() -> tuple[str, ...]:
    return registry.codes_where(lambda rules: rules.step(registry.PUBLISH) is not None)


def search_scope_for(user) -> SearchScope:
    """What `user` may find. Anonymous visitors and accounts without a role see
    only published school plans; authority staff see approved records of the
    schools under their authority; school staff see their school."""
    scope = get_scope(user)
    if scope.is_superuser:
        return SearchScope(working=WorkingAccess(school_ids=None, whole_school=True))
    if scope.is_authority_level:
        school_ids = (
            None
            if scope.all_schools
            else tuple(visible_schools(user).order_by("pk").values_list("pk", flat=True))
        )
        return SearchScope(approved=ApprovedAccess(school_ids=school_ids, states=_APPROVED))
    if scope.school_id is None or scope.staff is None:
        return public_scope()
    school = (scope.school_id,)
    if scope.roles & SCHOOL_DRAFT_READERS:
        working = WorkingAccess(school_ids=school, whole_school=True)
    else:
        led_groups = tuple(
            ProfessionalGroup.objects.filter(leader_id=scope.staff.pk, school_id=scope.school_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        working = WorkingAccess(
            school_ids=school,
            whole_school=False,
            author_id=scope.staff.pk,
            group_ids=led_groups,
        )
    return SearchScope(
        working=working, approved=ApprovedAccess(school_ids=school, states=_APPROVED)
    )
