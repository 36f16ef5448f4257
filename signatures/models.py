"""Certificates bound to people and schools, and signatures waiting for a token."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyHolder(models.TextChoices):
    """Where the certificate's private key is, hence how a signature is made."""

    TOKEN = "token", _("Thiết bị ký số (USB token) của người ký, qua phần mềm ký")
    SERVER = "server", _("Thiết bị HSM/token đặt tại máy chủ (PKCS#11)")
    CSC = "csc", _("Dịch vụ ký số từ xa (CSC)")
    DEV = "dev", _("Chứng thư THỬ NGHIỆM trên máy chủ (không có giá trị pháp lý)")


class Certificate(models.Model):
    """A signing certificate bound to one person of one school (`staff`), or to the
    school itself (its seal: `staff` empty). A signature whose certificate is not the
    bound one of the person whose step it is, is refused."""

    school = models.ForeignKey(
        "recordpages.School", verbose_name=_("trường"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        "recordpages.StaffProfile",
        verbose_name=_("người được cấp"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    holder = models.CharField(_("nơi giữ khóa"), max_length=16, choices=KeyHolder.choices)
    # Where the key is, for holders on the server side: a PKCS#11 key label, a CSC
    # credential id, or the dev PKI's key name.
    key_ref = models.CharField(_("mã khóa"), max_length=200, blank=True)
    der = models.BinaryField()
    sha256 = models.CharField(_("dấu vân tay SHA-256"), max_length=64, unique=True)
    common_name = models.CharField(_("tên trên chứng thư"), max_length=300)
    subject = models.CharField(_("chủ thể"), max_length=500)
    issuer = models.CharField(_("tổ chức cấp"), max_length=300)
    serial = models.CharField(_("số hiệu"), max_length=80)
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("ngày gắn"), default=timezone.now)
    revoked_at = models.DateTimeField(_("ngày thôi sử dụng"), null=True, blank=True)

    class Meta:
        ordering = ["school", "staff", "-not_after", "pk"]
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")

    def __str__(self) -> str:
        return f"{self.common_name} ({self.issuer}, {self.not_after:%d/%m/%Y})"

    @property
    def is_seal(self) -> bool:
        return self.staff_id is None


class PendingSignature(models.Model):
    """A signature prepared on the server and waiting for the signer's token: the
    prepared PDF and the signed attributes the token signs (archive.signing
    PendingSignature, as JSON). Made for one stage of one file; if the file has moved
    on when the token answers, the signature is refused and prepared again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="+")
    file = models.ForeignKey("archive.SigningFile", on_delete=models.CASCADE, related_name="+")
    page_ref = models.BigIntegerField()
    step = models.CharField(max_length=32)
    field = models.CharField(max_length=60)
    stage = models.PositiveIntegerField()
    state = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("chữ ký đang chờ thiết bị ký")
        verbose_name_plural = _("chữ ký đang chờ thiết bị ký")
