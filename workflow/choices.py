"""The states a record passes through (DESIGN.md, "Record states")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Đã nộp")
    CHECKED = "checked", _("Đã kiểm tra")
    RETURNED = "returned", _("Bị trả lại")
    APPROVED = "approved", _("Đã duyệt")
    PUBLISHED = "published", _("Đã công bố")
    PAPER_CONFIRMED = "paper_confirmed", _("Đã xác nhận bản giấy")
    SIGNED = "signed", _("Đã ký số")
    MAINTAINED = "maintained", _("Đang cập nhật")
    FINALIZED = "finalized", _("Đã chốt")
    CORRECTING = "correcting", _("Đang sửa theo biên bản")


# States in which the content is frozen: changing it needs the correction procedure (R5).
APPROVED_STATES = frozenset(
    {State.APPROVED, State.PUBLISHED, State.PAPER_CONFIRMED, State.SIGNED, State.FINALIZED}
)
# States an authority-level reader (district office, inspector) may see.
VISIBLE_TO_AUTHORITY = APPROVED_STATES
