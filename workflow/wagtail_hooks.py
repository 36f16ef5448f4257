"""Registers the workflow's admin screens and routes Wagtail's page actions
through workflow.services and workflow.policy."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from recordpages import registry
from recordpages.models import RecordPage, RoleCode
from recordpages.permissions import get_scope
from workflow import panels, policy, selectors, services
from workflow.models import RecordState

# The editor footer's "Nộp": the name its button posts (tests, the Playwright journey).
HAND_IN = "action-hand-in"


@hooks.register("register_admin_urls")
def register_urls():
    return [path("", include("workflow.urls"))]


class _RoleMenuItem(MenuItem):
    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.roles = roles

    def is_shown(self, request):
        return get_scope(request.user).has_role(*self.roles)


@hooks.register("register_admin_menu_item")
def register_locks_menu():
    return _RoleMenuItem(
        _("Khóa dữ liệu"),
        reverse("workflow_locks"),
        icon_name="lock",
        order=900,
        roles=(RoleCode.SYSADMIN, RoleCode.PRINCIPAL),
    )


@hooks.register("register_admin_menu_item")
def register_anomalies_menu():
    return _RoleMenuItem(
        _("Truy cập bất thường"),
        reverse("workflow_anomalies"),
        icon_name="warning",
        order=910,
        roles=(RoleCode.SYSADMIN, RoleCode.PRINCIPAL),
    )


@hooks.register("construct_homepage_panels")
def add_dashboards(request, panel_list):
    panel_list[:0] = panels.panels_for(request)


def _is_record(page) -> bool:
    specific_class = page.specific_class
    return specific_class is not None and issubclass(specific_class, RecordPage)


def _record(page):
    return RecordState.objects.filter(pk=page.pk).first() if _is_record(page) else None


def _listed_record(page, user):
    return selectors.listed_record(user, page)


@hooks.register("before_edit_page")
def refuse_editing_frozen_records(request, page):
    specific = page.specific
    if not isinstance(specific, RecordPage):
        return None
    message = services.write_refusal(specific, request.user)
    if (
        message is None
        and request.method == "POST"
        and ("action-publish" in request.POST or "action-unpublish" in request.POST)
    ):
        message = _("Hồ sơ được duyệt và công bố theo quy trình, không bằng nút Xuất bản.")
    if message is not None:
        messages.error(request, message)
        return redirect("workflow_record", page_id=page.pk)
    return None


@hooks.register("after_edit_page")
@hooks.register("after_create_page")
def log_record_edit(request, page):
    specific = page.specific
    if isinstance(specific, RecordPage):
        services.record_content_saved(page=specific, user=request.user, request=request)


@hooks.register("before_delete_page")
@hooks.register("before_move_page")
@hooks.register("before_unpublish_page")
def refuse_removing_records_in_workflow(request, page, *args):
    if not policy.may_remove(_record(page)):
        messages.error(
            request, _("Hồ sơ đã vào quy trình duyệt: không được xóa, chuyển hay gỡ công bố.")
        )
        return redirect("workflow_record", page_id=page.pk)
    return None


@hooks.register("construct_page_action_menu")
def keep_publishing_in_the_workflow(menu_items, request, context):
    page = context.get("page")
    if page is not None and _is_record(page):
        menu_items[:] = [
            item
            for item in menu_items
            if item.name not in ("action-publish", "action-unpublish", "action-submit")
        ]


class HandInMenuItem(ActionMenuItem):
    """ "Nộp" beside "Lưu bản nháp": saves the draft, then asks to confirm the hand-in
    (workflow_transition), or keeps the editor open with what the record lacks."""

    name = HAND_IN
    label = _("Nộp")
    icon_name = "upload"
    order = 5  # right after the default "Lưu bản nháp"

    def is_shown(self, context) -> bool:
        if not super().is_shown(context):
            return False
        user = context["request"].user
        if context["view"] == "create":
            return policy.creator_may_hand_in(context.get("page"))
        page = context.get("page")
        record = _listed_record(page, user) if page is not None else None
        return record is not None and policy.refusal(user, record, registry.SUBMIT) is None


@hooks.register("register_page_action_menu_item")
def register_hand_in_menu_item():
    return HandInMenuItem()


@hooks.register("after_edit_page")
@hooks.register("after_create_page")
def hand_in_after_saving(request, page):
    """After "Nộp" saved the draft: the confirmation when the record may be handed in,
    else the editor again with the reason (the draft keeps what was typed)."""
    if HAND_IN not in request.POST or not isinstance(page.specific, RecordPage):
        return None
    record = RecordState.objects.filter(pk=page.pk).first()
    refusal = (
        policy.refusal(request.user, record, registry.SUBMIT)
        if record is not None
        else gettext("Hồ sơ chưa đủ thông tin (trường, năm học) để nộp.")
    )
    if refusal is None:
        missing = services.completeness_errors(page.specific.get_latest_revision_as_object())
        if missing:
            refusal = gettext("Hồ sơ chưa đủ để nộp: ") + "; ".join(missing)
    if refusal is not None:
        messages.error(request, refusal)
        return redirect("wagtailadmin_pages:edit", page.pk)
    return redirect("workflow_transition", page_id=page.pk, transition=registry.SUBMIT)


def _record_buttons(page, user, priority, record=None):
    record = record or _listed_record(page, user)
    if record is None or not policy.can_view_record(user, record):
        return []
    buttons = [
        Button(
            _("Hồ sơ & lịch sử"),
            reverse("workflow_record", args=[page.pk]),
            icon_name="history",
            priority=priority,
        )
    ]
    for offset, spec in enumerate(policy.available_transitions(user, record), start=1):
        buttons.append(
            Button(
                spec.label,
                reverse("workflow_transition", args=[page.pk, spec.name]),
                icon_name="tick",
                priority=priority + offset,
            )
        )
    return buttons


@hooks.register("register_page_header_buttons")
def record_header_buttons(page, user, view_name=None, next_url=None):
    return _record_buttons(page, user, priority=20)


@hooks.register("register_page_listing_more_buttons")
def record_listing_buttons(page, user, next_url=None):
    record = _listed_record(page, user)
    return _record_buttons(page, user, priority=30, record=record) if record else []


# The teacher's week registers its own hooks (URLs, copy, create guard).
from workflow.week import hooks as week_hooks  # noqa: E402, F401
