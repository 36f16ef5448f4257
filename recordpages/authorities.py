"""Who stands above a school in a given school year (FORMS.md "Who is above a school").

The 1 July 2025 reform replaced the district office by the ward or commune People's
Committee; a record is headed by the authority in force for its own school year, so
these reads take the year as an argument instead of asking for "the current" one.
"""

from __future__ import annotations

from recordpages.models import AuthorityPage, AuthorityTerm, School, SchoolPage, SchoolYear


def authority_term(school: School, school_year: SchoolYear) -> AuthorityTerm | None:
    """The term in force for `school_year`: the one whose starting year is the latest
    starting on or before it. None when the school has no term that early, so the
    caller falls back to the page tree's authority (schools set up before terms)."""
    return (
        AuthorityTerm.objects.filter(school=school, starts__start_date__lte=school_year.start_date)
        .select_related("starts")
        .order_by("-starts__start_date")
        .first()
    )


def tree_authority(school: School) -> AuthorityPage | None:
    """The authority above the school's page in the tree: the fallback of a school set
    up before authority terms (and the place name of a school without one)."""
    page = SchoolPage.objects.filter(school=school).first()
    parent = page.get_parent() if page is not None else None
    return parent.specific if parent is not None else None
