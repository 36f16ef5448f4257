"""Admin screens for the people and reference data, each scoped to the user's schools."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm, SearchFilterMixin
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import policy_registry
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from recordpages.dbtext import folded_search
from recordpages.forms import SchoolScopedForm, StaffProfileForm
from recordpages.models.other import RecordCategory
from recordpages.models.people import (
    ProfessionalGroup,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffProfile,
)
from recordpages.permissions import get_scope

_ANY = ("view", "change", "delete")


def _scoped_queryset(model, user):
    return policy_registry.get_by_type(model).instances_user_has_any_permission_for(user, _ANY)


class ScopedObjectMixin:
    """Answers 404 for an object outside the user's schools, whatever the URL says."""

    def get_object(self, *args, **kwargs):
        try:
            obj = super().get_object(*args, **kwargs)
        except (ValueError, TypeError, ValidationError, OverflowError):
            raise Http404 from None  # a key that is not a key: no such object
        policy = policy_registry.get_by_type(type(obj))
        if not policy.user_has_any_permission_for_instance(self.request.user, _ANY, obj):
            raise Http404
        return obj


class ScopedChooseMixin:
    def get_object_list(self):
        return _scoped_queryset(self.model_class, self.request.user)


class ScopedChosenMultipleMixin:
    def get_objects(self, pks):
        return _scoped_queryset(self.model_class, self.request.user).filter(pk__in=pks)


class ScopedSearchFilterForm(SearchFilterMixin, BaseFilterForm):
    """Chooser search through the ORM inside the scoped queryset, on the model's name
    field, with or without diacritics: the search index cannot apply an authority's
    tree-path school filter."""

    def filter(self, objects):
        objects = BaseFilterForm.filter(self, objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            names = {f.name for f in objects.model._meta.get_fields()}
            field = "full_name" if "full_name" in names else "name"
            objects = folded_search(objects, [field], query)
            self.is_searching = True
            self.search_query = query
        return objects


class FoldedSearchIndexView(snippet_views.IndexView):
    """The listing's search through the ORM on search_fields, ignoring diacritics."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return folded_search(queryset, self.search_fields, self.search_query)


class ScopedFilterFormMixin:
    def get_filter_form_class(self):
        return ScopedSearchFilterForm


class ScopedChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = type(
        "ChooseView", (ScopedFilterFormMixin, ScopedChooseMixin, snippet_chooser.ChooseView), {}
    )
    choose_results_view_class = type(
        "ChooseResultsView",
        (ScopedFilterFormMixin, ScopedChooseMixin, snippet_chooser.ChooseResultsView),
        {},
    )
    chosen_view_class = type(
        "ChosenView", (ScopedObjectMixin, snippet_chooser.SnippetChosenView), {}
    )
    chosen_multiple_view_class = type(
        "ChosenMultipleView",
        (ScopedChosenMultipleMixin, snippet_chooser.SnippetChosenMultipleView),
        {},
    )


def _scoped(view_class):
    return type(view_class.__name__, (ScopedObjectMixin, view_class), {})


class ScopedSnippetViewSet(SnippetViewSet):
    """A snippet viewset whose listing, object views and chooser see only the user's schools."""

    add_to_admin_menu = False
    # Search with the ORM (icontains) inside the scoped queryset: the search index
    # cannot apply the school filter of authority staff (a tree-path lookup).
    search_backend_name = None
    index_view_class = FoldedSearchIndexView
    edit_view_class = _scoped(snippet_views.EditView)
    delete_view_class = _scoped(snippet_views.DeleteView)
    copy_view_class = _scoped(snippet_views.CopyView)
    usage_view_class = _scoped(snippet_views.UsageView)
    history_view_class = _scoped(snippet_views.HistoryView)
    inspect_view_class = _scoped(snippet_views.InspectView)
    chooser_viewset_class = ScopedChooserViewSet

    def get_queryset(self, request):
        queryset = self.model._default_manager.all()
        if get_scope(request.user).is_superuser:
            return queryset
        return self.permission_policy.instances_user_has_any_permission_for(
            request.user, {"view", "change", "delete"}
        )


class SchoolViewSet(ScopedSnippetViewSet):
    model = School
    icon = "home"
    menu_label = _("Trường học")
    list_display = ["name", "code", "ministry_code", "place_name"]
    search_fields = ["name"]
    panels = [
        FieldPanel("name"),
        FieldRowPanel([FieldPanel("code"), FieldPanel("ministry_code")]),
        FieldPanel("place_name"),
        FieldPanel("address"),
        FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
    ]


class SchoolYearViewSet(ModelViewSet):
    model = SchoolYear
    icon = "date"
    menu_label = _("Năm học")
    list_display = ["name", "start_date", "end_date"]
    form_fields = ["name", "start_date", "end_date"]
    add_to_admin_menu = False


class StaffProfileViewSet(ScopedSnippetViewSet):
    model = StaffProfile
    icon = "user"
    menu_label = _("Cán bộ, giáo viên")
    list_display = ["full_name", "school", "position"]
    list_filter = ["school", "roles"]
    search_fields = ["full_name"]
    edit_handler = ObjectList(
        [
            FieldPanel("full_name"),
            FieldPanel("username"),
            FieldPanel("email"),
            FieldPanel("password"),
            FieldPanel("is_active"),
            FieldPanel("school"),
            FieldPanel("authority"),
            FieldPanel("roles"),
            FieldPanel("assigned_categories"),
            FieldRowPanel([FieldPanel("staff_code"), FieldPanel("ministry_id")]),
            FieldRowPanel([FieldPanel("date_of_birth"), FieldPanel("sex")]),
            FieldPanel("position"),
            FieldPanel("subjects_taught"),
            FieldPanel("phone"),
        ],
        base_form_class=StaffProfileForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school", "user")


class PupilViewSet(ScopedSnippetViewSet):
    model = Pupil
    icon = "group"
    menu_label = _("Học sinh")
    list_display = ["full_name", "ministry_id", "date_of_birth", "school"]
    list_filter = ["school", "sex"]
    search_fields = ["full_name", "ministry_id"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldRowPanel([FieldPanel("ministry_id"), FieldPanel("register_number")]),
            FieldPanel("full_name"),
            FieldRowPanel([FieldPanel("date_of_birth"), FieldPanel("sex")]),
            FieldRowPanel([FieldPanel("ethnicity"), FieldPanel("nationality")]),
            FieldPanel("place_of_birth"),
            FieldPanel("hometown"),
            FieldPanel("address"),
            FieldRowPanel([FieldPanel("father_name"), FieldPanel("father_occupation")]),
            FieldRowPanel([FieldPanel("mother_name"), FieldPanel("mother_occupation")]),
            FieldPanel("guardian_name"),
            FieldPanel("entry_date"),
            FieldPanel("photo"),
        ],
        base_form_class=SchoolScopedForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


class SchoolClassViewSet(ScopedSnippetViewSet):
    model = SchoolClass
    icon = "table"
    menu_label = _("Lớp học")
    list_display = ["name", "school_year", "homeroom_teacher", "school"]
    list_filter = ["school", "school_year", "grade"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("school_year"),
            FieldRowPanel([FieldPanel("name"), FieldPanel("grade")]),
            FieldPanel("homeroom_teacher"),
            FieldPanel("group"),
        ],
        base_form_class=SchoolScopedForm,
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("school", "school_year", "homeroom_teacher")
        )


class ProfessionalGroupViewSet(ScopedSnippetViewSet):
    model = ProfessionalGroup
    icon = "group"
    menu_label = _("Tổ chuyên môn")
    list_display = ["name", "school_year", "leader", "school"]
    list_filter = ["school", "school_year"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("school_year"),
            FieldRowPanel([FieldPanel("name"), FieldPanel("grades")]),
            FieldPanel("leader"),
            FieldPanel("members"),
        ],
        base_form_class=SchoolScopedForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school", "school_year", "leader")


class RecordCategoryViewSet(ScopedSnippetViewSet):
    """The school's categories of "other records" (Đ12): each an entry of the
    record-type registry, with its own path, deadline and retention."""

    model = RecordCategory
    icon = "list-ul"
    menu_label = _("Loại hồ sơ khác")
    list_display = ["name", "path", "deadline_day", "deadline_month", "school"]
    list_filter = ["school", "path"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [
            FieldPanel("school"),
            FieldPanel("name"),
            FieldPanel("path"),
            FieldRowPanel([FieldPanel("deadline_day"), FieldPanel("deadline_month")]),
            FieldPanel("retention"),
        ],
        base_form_class=SchoolScopedForm,
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("school")


class PeopleGroup(SnippetViewSetGroup):
    menu_label = _("Nhà trường")
    menu_icon = "group"
    menu_order = 200
    items = (
        StaffProfileViewSet,
        PupilViewSet,
        SchoolClassViewSet,
        ProfessionalGroupViewSet,
        RecordCategoryViewSet,
        SchoolViewSet,
    )
