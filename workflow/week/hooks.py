"""Wagtail hooks of the teacher's week (imported by workflow.wagtail_hooks, which
Wagtail loads): the week screens' URLs, a lesson plan's "Sao chép" sent to the copy
that moves it a week on, and the create view's last guard against a second plan
for the same week."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import include, path
from wagtail import hooks
from wagtail.admin.views.pages.create import CreateView

from recordpages.models import LessonPlanPage

_GUARDED = "_week_guarded_create"


@hooks.register("register_admin_urls")
def register_week_urls():
    return [path("", include("workflow.week.urls"))]


@hooks.register("before_copy_page")
def copy_lesson_plans_a_week_on(request, page):
    # Wagtail's copy form asks only for a title and a slug, and a copy kept the week
    # (then was renamed back to it): a lesson plan is copied to the next free week.
    if page.specific_class is LessonPlanPage:
        return redirect("week_copy_plan", page_id=page.pk)
    return None


class GuardedCreateView(CreateView):
    """Wagtail's create view for lesson plans, with the plan's place known to its
    clean() (one plan per week needs the school year) and a plan refused at save
    (two saves raced past the check) shown as a form error, never a 500."""

    def post(self, request):
        self.page._cached_parent_obj = self.parent_page
        return super().post(request)

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except ValidationError as error:
            errors = getattr(error, "message_dict", {})
            if "week_number" not in errors:
                raise
            # The rolled-back insert left its ids on the instance.
            self.page.pk = self.page.id = self.page.page_ptr_id = None
            self.page._state.adding = True
            form.add_error("week_number", errors["week_number"])
            return self.form_invalid(form)


@hooks.register("before_create_page")
def guard_lesson_plan_creation(request, parent_page, page_class):
    if page_class is not LessonPlanPage or request.method != "POST":
        return None
    if getattr(request, _GUARDED, False):
        return None  # the guarded view itself, running the hooks again
    setattr(request, _GUARDED, True)
    meta = LessonPlanPage._meta
    return GuardedCreateView.as_view()(request, meta.app_label, meta.model_name, parent_page.pk)
