"""Forms of the account security screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Mã xác thực"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text=_("Mã 6 chữ số trong ứng dụng xác thực trên điện thoại."),
    )


class PasswordResetForm(forms.Form):
    reset_two_factor = forms.BooleanField(
        label=_("Đồng thời xóa ứng dụng xác thực (khi người dùng mất điện thoại)"),
        required=False,
    )
