"""The editor's plain "Lưu bản nháp" of a record, saved without the parts of
Wagtail's edit view a draft of ours does not use (issue 18): the comment
subscription (comments are off), the Wagtail workflow state (off too) and the
existence checks of its log entry's foreign keys (rows the save has just read or
written). Everything else is Wagtail's own: its form, save, revision, message,
hooks and redirect. Any other request (publishing, a revert, autosave's JSON, a
form with errors, a locked page) is left to Wagtail's view."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.log_actions import get_active_log_context
from wagtail.models import PageLogEntry

from recordpages.guards import RecordReadOnly
from recordpages.models import RecordPage

EDIT_VIEW = "wagtailadmin_pages:edit"

# Keys of the editor's other buttons: those requests are Wagtail's.
OTHER_ACTIONS = (
    "action-publish",
    "action-submit",
    "action-workflow-action",
    "action-restart-workflow",
    "action-cancel-workflow",
    "action-unpublish",
)


def save_plain_draft(request, page):
    """before_edit_page, after the write guard: the draft saved and the editor
    reopened, or None to let Wagtail's view answer."""
    if not _is_plain_draft_save(request, page):
        return None
    overwrite_id = request.POST.get("overwrite_revision_id")
    overwritten = _revision_to_overwrite(page, overwrite_id, request.user)
    if overwrite_id and overwritten is None:
        return None
    form = _valid_form(request, page)
    if form is None:
        return None
    # The editor's POST runs in one transaction (AtomicRecordSaveMiddleware) that any
    # failure rolls back whole: no savepoint of its own.
    try:
        with transaction.atomic(savepoint=False):
            page = form.save(commit=not page.live)
            revision = page.save_revision(
                user=request.user,
                log_action=overwritten is not None,
                overwrite_revision=overwritten,
                clean=False,
            )
            if overwritten is None:
                _log_edit(page, revision, request.user)
    except RecordReadOnly as refused:
        # Handed in or locked since the write guard looked (another tab, the school's
        # lock): the transaction can run no query now and is rolled back whole; the
        # answer is the guard's, made without the database.
        messages.error(request, str(refused))
        return redirect("workflow_record", page_id=page.pk)
    messages.success(
        request,
        gettext("Page '%(page_title)s' has been updated.")
        % {"page_title": page.get_admin_display_title()},
    )
    for hook in hooks.get_hooks("after_edit_page"):
        response = hook(request, page)
        if hasattr(response, "status_code"):
            return response
    return redirect(_edit_url(request, page))


def _is_plain_draft_save(request, page) -> bool:
    """A POST of the editor of this record with "Lưu bản nháp" (or "Nộp", which
    saves the same way first), answered in HTML, the page editable by this user."""
    match = request.resolver_match
    if (
        request.method != "POST"
        or not isinstance(page, RecordPage)
        or page.alias_of_id
        or getattr(settings, "WAGTAILADMIN_COMMENTS_ENABLED", True)
        or match is None
        or match.view_name != EDIT_VIEW
        or set(match.kwargs) != {"page_id"}
        or int(match.kwargs["page_id"]) != page.pk
        or not request.accepts("text/html")
        or any(key in request.POST for key in OTHER_ACTIONS)
    ):
        return False
    lock = page.get_lock()
    return lock is None or not lock.for_user(request.user)


def _valid_form(request, page):
    """Wagtail's form of the page type, bound as its view binds it for "save"; None
    when it has errors (Wagtail's view shows them)."""
    form_class = type(page).get_edit_handler().get_form_class()
    form = form_class(
        request.POST,
        request.FILES,
        instance=page,
        subscription=None,
        parent_page=page.get_parent(),
        for_user=request.user,
    )
    form.defer_required_fields()
    if form.is_valid():
        return form
    form.restore_required_fields()
    return None


def _revision_to_overwrite(page, revision_id, user):
    """The autosaved revision this save replaces, when Wagtail would overwrite it:
    the page's latest, by this user. None otherwise (Wagtail's view refuses it)."""
    if not revision_id or not revision_id.isdigit():
        return None
    if int(revision_id) != page.latest_revision_id:
        return None
    return page.revisions.filter(pk=revision_id, user=user).first()


def _log_edit(page, revision, user) -> None:
    """Wagtail's "wagtail.edit" entry of the new revision, as its log() writes it,
    without its full_clean: the page, revision, user and content type it names were
    read or written by this request (bulk_create does not call the model's save)."""
    context = get_active_log_context()
    entry = PageLogEntry(
        content_type=ContentType.objects.get_for_model(page, for_concrete_model=False),
        label=page.get_admin_display_title(),
        action="wagtail.edit",
        timestamp=timezone.now(),
        data={},
        user=user or context.user,
        uuid=context.uuid,
        page=page,
        revision=revision,
        content_changed=True,
    )
    entry.clean()
    PageLogEntry.objects.bulk_create([entry])


def _edit_url(request, page) -> str:
    """Wagtail's redirect_and_remain: the editor again, keeping `next`."""
    url = reverse(EDIT_VIEW, args=(page.pk,))
    next_url = get_valid_next_url_from_request(request)
    return f"{url}?next={quote(next_url)}" if next_url else url
