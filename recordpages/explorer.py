"""The page explorer as Wagtail builds it, but for its "owner" and "edited by" filters:
Wagtail offers everyone who owns or edited any page of the tree, which would show a
school's teacher the names of other schools' staff. Here each offers only the people
the viewer may see: the staff of the viewer's schools (an authority's, its district)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.admin.views.pages.listing import GenericPageFilterSet
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page, PageLogEntry

from recordpages.permissions import get_scope, visible_schools


def _people_in_sight(request, users: QuerySet) -> QuerySet:
    """`users` narrowed to those whose staff profile the viewer may see: a superuser
    sees everyone; an authority's staff also see their fellow authority staff."""
    scope = get_scope(request.user)
    if scope.is_superuser:
        return users
    seen = Q(staff_profile__school__in=visible_schools(request.user))
    if scope.is_authority_level and scope.authority_path is not None:
        seen |= Q(staff_profile__authority__path__startswith=scope.authority_path)
    return users.filter(seen)


def _owners(request) -> QuerySet:
    owners = Page.objects.order_by().values_list("owner_id", flat=True).distinct()
    return _people_in_sight(request, get_user_model().objects.filter(pk__in=owners))


def _editors(request) -> QuerySet:
    editors = (
        PageLogEntry.objects.filter(action="wagtail.edit")
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )
    return _people_in_sight(request, get_user_model().objects.filter(pk__in=editors))


class ScopedPageFilterSet(GenericPageFilterSet):
    """Wagtail's filters, labels and widgets as they are, offering other choices."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].queryset = _owners
        self.filters["edited_by"].queryset = _editors


class ScopedPageViewSet(PageViewSet):
    """Wagtail's viewset of every page type, with the scoped filters in its explorer."""

    filterset_class = ScopedPageFilterSet
