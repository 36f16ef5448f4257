"""The admin screen of the authority terms (who stands above each school from which
school year on, FORMS.md "Who is above a school").

A term decides the first line of every record's header for its years, so only the
school's system administrator (for their own school) and superusers write terms; the
district office reads its schools' terms; everyone else is refused (deny by default).
The rule is stated by role here rather than by Django model permissions, so that no
role's groups need a new grant and no other role can be given one by accident.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from recordpages.dbtext import folded_search
from recordpages.forms import SchoolScopedForm
from recordpages.models import AuthorityTerm, RoleCode
from recordpages.permissions import Scope, get_scope, school_filter
from recordpages.viewsets import (
    ScopedChooserViewSet,
    ScopedSearchFilterForm,
    ScopedSnippetViewSet,
)

WRITE_ACTIONS = frozenset({"add", "change", "delete"})
SEARCH_FIELDS = ["issuing_body", "authority_name", "commune"]


def _writes(scope: Scope) -> bool:
    """Superusers, and a school's system administrator (bound to one school)."""
    return scope.is_superuser or (scope.school_id is not None and RoleCode.SYSADMIN in scope.roles)


def _reads(scope: Scope) -> bool:
    return _writes(scope) or (scope.is_authority_level and RoleCode.DISTRICT_OFFICE in scope.roles)


class AuthorityTermPermissionPolicy(BasePermissionPolicy):
    """Role-based and narrowed to the user's schools (recordpages.permissions)."""

    def user_has_permission(self, user, action: str) -> bool:
        scope = get_scope(user)
        if action in WRITE_ACTIONS:
            return _writes(scope)
        if action == "view":
            return _reads(scope)
        return scope.is_superuser  # any other action (e.g. "publish"): no one else

    def user_has_any_permission(self, user, actions) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet[AuthorityTerm]:
        terms = AuthorityTerm.objects.all()
        if not self.user_has_any_permission(user, actions):
            return terms.none()
        return terms.filter(school_filter(user))

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        return (
            self.instances_user_has_any_permission_for(user, actions)
            .filter(pk=instance.pk)
            .exists()
        )

    def users_with_any_permission(self, actions):
        actions = set(actions)
        who = Q(is_superuser=True)
        if actions & (WRITE_ACTIONS | {"view"}):
            who |= Q(
                staff_profile__roles__code=RoleCode.SYSADMIN,
                staff_profile__school__isnull=False,
            )
        if "view" in actions:
            who |= Q(
                staff_profile__roles__code=RoleCode.DISTRICT_OFFICE,
                staff_profile__school__isnull=True,
            )
        return get_user_model().objects.filter(who, is_active=True).distinct()

    def users_with_any_permission_for_instance(self, actions, instance):
        users = self.users_with_any_permission(actions)
        school = instance.school
        in_reach = (
            Q(is_superuser=True)
            | Q(staff_profile__school=school)
            | Q(staff_profile__authority__isnull=True, staff_profile__school__isnull=True)
        )
        page = getattr(school, "page", None)
        if page is not None:
            for ancestor in page.get_ancestors():
                in_reach |= Q(staff_profile__authority_id=ancestor.pk)
        return users.filter(in_reach).distinct()


register_permission_policy(AuthorityTerm, AuthorityTermPermissionPolicy(AuthorityTerm))


class AuthorityTermForm(SchoolScopedForm):
    """The school's choices are the editor's schools (a crafted POST cannot name
    another); one term per school and starting year, said in Vietnamese."""

    def validate_unique(self):
        school = self.cleaned_data.get("school")
        starts = self.cleaned_data.get("starts")
        taken = AuthorityTerm.objects.filter(school=school, starts=starts).exclude(
            pk=self.instance.pk
        )
        if school is not None and starts is not None and taken.exists():
            self.add_error(
                "starts",
                _("Trường này đã có cơ quan quản lý áp dụng từ năm học %(year)s.")
                % {"year": starts.name},
            )
            return
        super().validate_unique()


class AuthorityTermSearchForm(ScopedSearchFilterForm):
    """The chooser's search on the term's names (a term has no `name` field)."""

    def filter(self, objects):
        objects = BaseFilterForm.filter(self, objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = folded_search(objects, SEARCH_FIELDS, query)
            self.is_searching = True
            self.search_query = query
        return objects


class _TermFilterForm:
    def get_filter_form_class(self):
        return AuthorityTermSearchForm


class AuthorityTermChooserViewSet(ScopedChooserViewSet):
    choose_view_class = type(
        "ChooseView", (_TermFilterForm, ScopedChooserViewSet.choose_view_class), {}
    )
    choose_results_view_class = type(
        "ChooseResultsView", (_TermFilterForm, ScopedChooserViewSet.choose_results_view_class), {}
    )


class AuthorityTermViewSet(ScopedSnippetViewSet):
    model = AuthorityTerm
    icon = "site"
    menu_label = _("Cơ quan quản lý theo năm học")
    menu_order = 210
    add_to_admin_menu = True
    list_display = [
        Column("school", label=_("trường")),
        Column("starts", label=_("từ năm học")),
        Column("issuing_body", label=_("cơ quan chủ quản")),
        Column("commune", label=_("xã / phường")),
        Column("province", label=_("tỉnh / thành phố")),
    ]
    list_filter = ["school", "kind"]
    search_fields = SEARCH_FIELDS
    chooser_viewset_class = AuthorityTermChooserViewSet
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldRowPanel([FieldPanel("starts"), FieldPanel("kind")]),
            FieldPanel("issuing_body"),
            FieldPanel("authority_name"),
            FieldPanel("professional_body"),
            FieldRowPanel([FieldPanel("commune"), FieldPanel("district")]),
            FieldPanel("province"),
        ],
        base_form_class=AuthorityTermForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school", "starts")
