"""What accounts keeps beside Django's user: whether the password is a temporary one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountSecurity(models.Model):
    """Per-account security state that Django's User has no field for.

    `temporary_password_hash` holds the hash an administrator set: while the
    user's password still equals it, the user must choose their own (Đ7.3:
    accounts are personal, nobody else may know the password).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_security"
    )
    temporary_password_hash = models.CharField(max_length=256, blank=True)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reset_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái an toàn tài khoản")
        verbose_name_plural = _("trạng thái an toàn tài khoản")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def must_change_password(self) -> bool:
        return bool(self.temporary_password_hash) and (
            self.temporary_password_hash == self.user.password
        )
