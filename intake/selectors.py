"""Who may read a handed-in file: its uploader, whoever may view the record it is
attached to (workflow.policy.can_view_record, the rule of the record screen), and
superusers. Everyone else is answered as if the file did not exist."""

from __future__ import annotations

from django.http import Http404

from intake.models import RecordFile
from recordpages.permissions import get_scope
from workflow import policy
from workflow.models import RecordState


def file_readable(user, record_file: RecordFile) -> bool:
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    if scope.is_superuser:
        return True
    uploader = record_file.uploaded_by
    if uploader is not None and uploader.user_id == user.pk:
        return True
    if record_file.page_id is None:
        return False
    record = (
        RecordState.objects.select_related("school__page").filter(pk=record_file.page_id).first()
    )
    return record is not None and policy.can_view_record(user, record)


def readable_file(user, file_id: int) -> RecordFile:
    """The file, or Http404 (never 403: a URL says nothing of whether a file exists)."""
    record_file = RecordFile.objects.select_related("uploaded_by").filter(pk=file_id).first()
    if record_file is None or not file_readable(user, record_file):
        raise Http404
    return record_file
