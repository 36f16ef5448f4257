"""The imported CSDL ngành files, kept as the sổ đăng bộ's archived data file.

The bytes live in the database beside the rows they produced, so that storing
the file and applying it commit or roll back together, and every web worker
or host sees the same pending upload between preview and apply.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataFileStatus(models.TextChoices):
    PENDING = "pending", _("Chờ áp dụng")
    APPLIED = "applied", _("Đã áp dụng")


class DataFile(models.Model):
    school = models.ForeignKey(
        "recordpages.School", verbose_name=_("trường"), on_delete=models.PROTECT, related_name="+"
    )
    school_year = models.ForeignKey(
        "recordpages.SchoolYear",
        verbose_name=_("năm học"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filename = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("kích thước (byte)"))
    content = models.BinaryField(_("nội dung tệp"))
    sheets = models.JSONField(_("các danh sách trong tệp"), default=list, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=DataFileStatus.choices, default="pending"
    )
    summary = models.JSONField(_("kết quả nhập"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    applied_at = models.DateTimeField(_("thời điểm áp dụng"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "sha256"], name="unique_csdl_file_per_school_year"
            )
        ]
        verbose_name = _("tệp dữ liệu CSDL ngành")
        verbose_name_plural = _("tệp dữ liệu CSDL ngành")

    def __str__(self) -> str:
        return f"{self.filename} ({self.sha256[:12]})"
