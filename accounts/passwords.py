"""Password rules (R2) with Vietnamese messages.

Django's validators are kept for what they check; these subclasses only give
their messages in Vietnamese, and two rules are added: several character kinds,
and no folded name (a password built from "Nguyễn Văn An" written without
diacritics is as guessable as the name itself).
"""

from __future__ import annotations

import re

from django.contrib.auth import password_validation as django_rules
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from recordpages.text import fold


class MinimumLengthValidator(django_rules.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d kí tự.",
            "Mật khẩu quá ngắn: cần ít nhất %(min_length)d kí tự.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_help_text(self) -> str:
        return _("Mật khẩu có ít nhất %(min_length)d kí tự.") % {"min_length": self.min_length}


class MaximumLengthValidator:
    """Bounds the work a hasher does for one login attempt."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("Mật khẩu quá dài: tối đa %(max_length)d kí tự.")
                % {"max_length": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return _("Mật khẩu có tối đa %(max_length)d kí tự.") % {"max_length": self.max_length}


class CharacterKindsValidator:
    """At least `min_kinds` of: lower-case letter, upper-case letter, digit, other symbol."""

    def __init__(self, min_kinds: int = 3):
        self.min_kinds = min_kinds

    def validate(self, password, user=None):
        kinds = [
            any(ch.islower() for ch in password),
            any(ch.isupper() for ch in password),
            any(ch.isdigit() for ch in password),
            any(not ch.isalnum() for ch in password),
        ]
        if sum(kinds) < self.min_kinds:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _(
            "Mật khẩu phải có ít nhất %(kinds)d trong 4 loại kí tự: chữ thường, chữ hoa, "
            "chữ số, kí hiệu (ví dụ @, #, !)."
        ) % {"kinds": self.min_kinds}

    def get_help_text(self) -> str:
        return self.message()


class UserAttributeSimilarityValidator(django_rules.UserAttributeSimilarityValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu quá giống thông tin cá nhân (%(verbose_name)s).")

    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError as exc:
            raise ValidationError(
                self.get_error_message(), code=exc.code, params=exc.params
            ) from None

    def get_help_text(self) -> str:
        return _("Mật khẩu không được giống tên đăng nhập, họ tên hay thư điện tử.")


class FoldedNameValidator:
    """Refuses a password containing the user's login or a part of their name,
    compared without diacritics and case ("Nguyen", "an2026")."""

    def validate(self, password, user=None):
        if user is None:
            return
        folded = re.sub(r"[^a-z0-9]", "", fold(password))
        parts = [getattr(user, "username", "") or ""]
        parts += (getattr(user, "first_name", "") or "").split()
        parts += (getattr(user, "last_name", "") or "").split()
        for raw in parts:
            for piece in re.split(r"[^a-z0-9]+", fold(raw)):
                if len(piece) >= 4 and piece in folded:
                    raise ValidationError(
                        _("Mật khẩu không được chứa tên đăng nhập hoặc tên của bạn."),
                        code="password_contains_name",
                    )

    def get_help_text(self) -> str:
        return _("Mật khẩu không chứa tên đăng nhập hay tên của bạn (kể cả viết không dấu).")


class CommonPasswordValidator(django_rules.CommonPasswordValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu này quá phổ biến, dễ bị đoán.")

    def validate(self, password, user=None):
        if password.lower().strip() in self.passwords:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được là một mật khẩu phổ biến.")


class NumericPasswordValidator(django_rules.NumericPasswordValidator):
    def get_error_message(self) -> str:
        return _("Mật khẩu không được toàn chữ số.")

    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(self.get_error_message(), code="password_entirely_numeric")

    def get_help_text(self) -> str:
        return _("Mật khẩu không được toàn chữ số.")
