"""A file handed in for a record: the original as uploaded, and what the worker
made of it (the PDF/A that is reviewed, signed and archived, its text, its pages).

A row never changes once converted: a new upload is a new row, so a revision of a
record that names a file names exactly one original and one converted PDF. The
record copies the converted PDF's SHA-256 into its own content (RecordPage
`source_sha256`), so the hash a reviewer approves covers the file's bytes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FileKind(models.TextChoices):
    DOCX = "docx", "Word (.docx)"
    DOC = "doc", "Word 97-2003 (.doc)"
    ODT = "odt", "OpenDocument (.odt)"
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel (.xlsx)"
    XLS = "xls", "Excel 97-2003 (.xls)"
    ODS = "ods", "OpenDocument (.ods)"
    # Several files handed in as one record (one per lesson): the original is a ZIP of
    # them, in the order given, and the PDF their conversions one after the other.
    BUNDLE = "bundle", _("Nhiều tệp (một tệp mỗi bài)")


class FileStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ chuyển đổi")
    CONVERTING = "converting", _("Đang chuyển đổi")
    READY = "ready", _("Đã chuyển sang PDF")
    REFUSED = "refused", _("Không chuyển đổi được")


def original_path(instance: RecordFile, filename: str) -> str:
    return f"tep-ho-so/{instance.school_id}/goc/{instance.original_sha256[:2]}/{filename}"


def converted_path(instance: RecordFile, filename: str) -> str:
    return f"tep-ho-so/{instance.school_id}/pdf/{instance.original_sha256[:2]}/{filename}"


class RecordFile(models.Model):
    school = models.ForeignKey(
        "recordpages.School", verbose_name=_("trường"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        "recordpages.StaffProfile",
        verbose_name=_("người nộp"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("thời điểm nộp"), auto_now_add=True)
    # The record page this file was handed in for (set when attached); who may read
    # the file follows from who may read that record.
    page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("hồ sơ"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    original = models.FileField(_("tệp gốc"), upload_to=original_path, max_length=300)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    original_sha256 = models.CharField(max_length=64)
    original_size = models.PositiveBigIntegerField(default=0)
    kind = models.CharField(_("loại tệp"), max_length=8, choices=FileKind.choices)
    status = models.CharField(
        _("tình trạng"), max_length=12, choices=FileStatus.choices, default=FileStatus.PENDING
    )
    error = models.TextField(_("lý do không chuyển đổi được"), blank=True)
    converted = models.FileField(
        _("bản PDF/A"), upload_to=converted_path, max_length=300, blank=True
    )
    converted_sha256 = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(_("số trang"), default=0)
    text = models.TextField(_("nội dung văn bản"), blank=True)
    ocr_applied = models.BooleanField(_("đã nhận dạng chữ (OCR)"), default=False)
    conversion_ms = models.PositiveIntegerField(default=0)
    # When a worker took the row: a row left converting by a worker that died is
    # taken again by `manage.py intake_convert` once this is older than the timeout.
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("tệp hồ sơ")
        verbose_name_plural = _("tệp hồ sơ")
        indexes = [models.Index(fields=["status", "uploaded_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_ready(self) -> bool:
        return self.status == FileStatus.READY
