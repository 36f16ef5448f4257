"""What the archive remembers: the jobs that freeze records (a table, not an
in-process queue, so every gunicorn worker and host sees them) and one row per
stored, signed document."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    FREEZE = "freeze", _("Lưu trữ hồ sơ")
    MINUTES = "minutes", _("Lưu trữ biên bản sửa dữ liệu")
    PACKAGE = "package", _("Gói hồ sơ cuối năm")


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ lưu trữ")
    RUNNING = "running", _("Đang xử lý")
    DONE = "done", _("Đã lưu trữ")
    FAILED = "failed", _("Lỗi, cần kiểm tra")


class ArchiveJob(models.Model):
    """One unit of background work. Retried with backoff until it succeeds;
    after `max_attempts` it stays FAILED (visible in the admin) but is never dropped."""

    kind = models.CharField(max_length=16, choices=JobKind.choices)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    school = models.ForeignKey("recordpages.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey(
        "recordpages.SchoolYear", on_delete=models.PROTECT, related_name="+"
    )
    record_type = models.CharField(max_length=32, blank=True)
    version = models.PositiveIntegerField(default=0)
    revision_id = models.BigIntegerField(null=True, blank=True)
    transition = models.CharField(max_length=32, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    verification_code = models.CharField(max_length=32, unique=True)
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=50)
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    progress = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.ForeignKey(
        "archive.ArchivedVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["next_attempt_at", "pk"]
        verbose_name = _("tác vụ lưu trữ")
        verbose_name_plural = _("tác vụ lưu trữ")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class DocumentKind(models.TextChoices):
    RECORD = "record", _("Hồ sơ")
    MINUTES = "minutes", _("Biên bản sửa dữ liệu")
    PACKAGE = "package", _("Gói hồ sơ cuối năm")


class ArchivedVersion(models.Model):
    """One immutable object in storage. Rows are only ever added; a row moves to a
    new object only when the archive extends its signatures (issue 14): the new
    object is the old one's bytes plus a revision, under a key of its own, and the
    old object stays, listed in ArchiveExtension."""

    kind = models.CharField(max_length=16, choices=DocumentKind.choices, default="record")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    page_ref = models.BigIntegerField(_("mã hồ sơ"), db_index=True)
    school = models.ForeignKey("recordpages.School", on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(
        "recordpages.SchoolYear", on_delete=models.PROTECT, related_name="+"
    )
    record_type = models.CharField(_("loại hồ sơ"), max_length=32)
    title = models.CharField(_("tiêu đề"), max_length=500)
    version = models.PositiveIntegerField(_("phiên bản"))
    revision_id = models.BigIntegerField(null=True, blank=True)
    content_sha256 = models.CharField(_("SHA-256 nội dung đã duyệt"), max_length=64, blank=True)
    key = models.CharField(_("khóa lưu trữ"), max_length=500, unique=True)
    storage_version_id = models.CharField(max_length=200, blank=True)
    retain_until = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 tệp"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("kích thước"))
    signer = models.CharField(_("người/đơn vị ký"), max_length=300, blank=True)
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)
    timestamp_at = models.DateTimeField(_("dấu thời gian"), null=True, blank=True)
    # When the certificate of the file's newest timestamp expires: the archive extends
    # the file before then (archive.extension).
    timestamp_until = models.DateTimeField(
        _("dấu thời gian còn hiệu lực đến"), null=True, blank=True, db_index=True
    )
    validation = models.JSONField(_("kết quả kiểm tra chữ ký"), default=dict, blank=True)
    verification_code = models.CharField(max_length=32, unique=True)
    related = models.JSONField(default=dict, blank=True)
    # A record handed in as a file (issue 15): the PDF above is its converted PDF/A
    # signed; the teacher's original file is stored beside it, once, under its own key
    # (an extension of the PDF's signatures never moves it).
    original_key = models.CharField(_("khóa tệp gốc"), max_length=500, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    original_sha256 = models.CharField(_("SHA-256 tệp gốc"), max_length=64, blank=True)
    original_size = models.PositiveBigIntegerField(_("kích thước tệp gốc"), default=0)
    # A record that is data as much as print (the sổ đăng bộ, issue 16): its data file,
    # stored beside the PDF like an original (archive.register_data).
    data_file_key = models.CharField(_("khóa tệp dữ liệu"), max_length=500, blank=True)
    data_file_name = models.CharField(_("tên tệp dữ liệu"), max_length=255, blank=True)
    data_file_sha256 = models.CharField(_("SHA-256 tệp dữ liệu"), max_length=64, blank=True)
    data_file_size = models.PositiveBigIntegerField(_("kích thước tệp dữ liệu"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school_year", "school", "record_type", "page_ref", "version", "pk"]
        verbose_name = _("bản lưu trữ")
        verbose_name_plural = _("bản lưu trữ")

    def __str__(self) -> str:
        return self.key


class CheckpointReason(models.TextChoices):
    DAILY = "daily", _("Hằng ngày")
    PACKAGE = "package", _("Gói hồ sơ cuối năm")


class AuditCheckpoint(models.Model):
    """One signed checkpoint of audit chain heads, written once to object storage.

    The stored object (CMS SignedData holding canonical JSON) is the evidence; this row
    only indexes it. `audit_verify` reads the store, not these rows, so deleting a row
    hides nothing, and a row whose object is missing is reported."""

    scope = models.CharField(max_length=40, db_index=True)  # "school:<id>" or "all"
    school = models.ForeignKey(
        "recordpages.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=CheckpointReason.choices)
    made_on = models.DateField()
    made_at = models.DateTimeField()
    heads = models.JSONField(default=list)
    key = models.CharField(max_length=500, unique=True)
    storage_version_id = models.CharField(max_length=200, blank=True)
    retain_until = models.DateTimeField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    signer = models.CharField(max_length=300, blank=True)
    timestamped = models.BooleanField(default=False)

    class Meta:
        ordering = ["made_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "made_on"],
                condition=models.Q(reason="daily"),
                name="one_daily_audit_checkpoint_per_scope",
            )
        ]
        verbose_name = _("mốc kiểm chứng nhật ký")
        verbose_name_plural = _("mốc kiểm chứng nhật ký")

    def __str__(self) -> str:
        return self.key


class SigningFile(models.Model):
    """The one PDF a record version's signatures go into (issue 13): rendered when the
    first signature of the version is made, every later signature an incremental
    revision of it. Each stage is its own object in storage (`stage_key`); this row
    points at the newest. A file whose content no longer matches the record (given
    back and changed) is voided, never reused; a new one is rendered."""

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    page_ref = models.BigIntegerField(db_index=True)
    school = models.ForeignKey("recordpages.School", on_delete=models.PROTECT, related_name="+")
    school_year = models.ForeignKey(
        "recordpages.SchoolYear", on_delete=models.PROTECT, related_name="+"
    )
    record_type = models.CharField(max_length=32)
    title = models.CharField(max_length=500)
    version = models.PositiveIntegerField()
    content_sha256 = models.CharField(max_length=64)
    verification_code = models.CharField(max_length=32, unique=True)
    stage = models.PositiveIntegerField(default=0)
    # The chain's signature fields the file was rendered with (a block each).
    fields = models.JSONField(default=list, blank=True)
    stage_key = models.CharField(max_length=500)
    sha256 = models.CharField(max_length=64)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["page_ref", "version", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["page_ref", "version"],
                condition=models.Q(voided_at__isnull=True),
                name="one_live_signing_file_per_version",
            )
        ]
        verbose_name = _("tệp ký số")
        verbose_name_plural = _("tệp ký số")

    def __str__(self) -> str:
        return self.stage_key


class SignatureOutcome(models.TextChoices):
    SIGNED = "digital", _("Đã ký số")
    RECORDED = "recorded", _("Ghi nhận, không ký số")


class Signature(models.Model):
    """One step of a record version's signer chain: signed into the file, or recorded
    (the person has no certificate; the seal covers the document). Rows are only added."""

    page_ref = models.BigIntegerField(db_index=True)
    version = models.PositiveIntegerField()
    file = models.ForeignKey(
        SigningFile, on_delete=models.PROTECT, null=True, blank=True, related_name="signatures"
    )
    field = models.CharField(max_length=60)
    role = models.CharField(_("vai trò"), max_length=200)
    step = models.CharField(max_length=32, blank=True)
    seal = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=SignatureOutcome.choices)
    user = models.ForeignKey(
        "auth.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer_name = models.CharField(_("người ký"), max_length=300)
    certificate_sha256 = models.CharField(max_length=64, blank=True)
    issuer = models.CharField(_("tổ chức cấp chứng thư"), max_length=300, blank=True)
    made_at = models.DateTimeField(_("thời điểm"))
    stage = models.PositiveIntegerField(null=True, blank=True)
    stage_key = models.CharField(max_length=500, blank=True)
    stage_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["page_ref", "version", "made_at", "pk"]
        indexes = [models.Index(fields=["page_ref", "version"])]
        verbose_name = _("chữ ký")
        verbose_name_plural = _("chữ ký")

    def __str__(self) -> str:
        return f"{self.page_ref} v{self.version} {self.field}: {self.outcome}"


class ArchiveExtension(models.Model):
    """One extension of an archived file's signatures: the object it replaced as the
    row's current one (kept in storage, never overwritten) and the new one."""

    archived = models.ForeignKey(
        ArchivedVersion, on_delete=models.PROTECT, related_name="extensions"
    )
    previous_key = models.CharField(max_length=500)
    previous_sha256 = models.CharField(max_length=64, db_index=True)
    key = models.CharField(max_length=500, unique=True)
    sha256 = models.CharField(max_length=64)
    storage_version_id = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    timestamp_until = models.DateTimeField(null=True, blank=True)
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["archived", "made_at", "pk"]
        verbose_name = _("lần gia hạn chữ ký lưu trữ")
        verbose_name_plural = _("các lần gia hạn chữ ký lưu trữ")

    def __str__(self) -> str:
        return self.key
