"""Admin forms for the people snippets, scoped to the editing user's schools."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from recordpages.models.people import (
    AUTHORITY_ROLES,
    Role,
    StaffProfile,
)
from recordpages.permissions import get_scope, limit_choices_to_user_schools


def record_type_choices():
    from recordpages import registry

    return registry.choices()


class SchoolScopedForm(WagtailAdminModelForm):
    """Limits every school-bound choice to the schools the editor may manage."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            return
        limit_choices_to_user_schools(self, user)
        scope = get_scope(user)
        if "school" in self.fields and scope.school_id and not scope.is_superuser:
            self.fields["school"].initial = scope.school_id


class StaffProfileForm(SchoolScopedForm):
    """One form for the person and their personal account (Đ5.2)."""

    username = forms.CharField(label=_("tên đăng nhập"), max_length=150)
    email = forms.EmailField(label=_("thư điện tử"), required=False)
    password = forms.CharField(
        label=_("mật khẩu mới"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Để trống nếu không đổi. Ít nhất 10 kí tự, không toàn chữ số."),
    )
    is_active = forms.BooleanField(label=_("đang hoạt động"), required=False, initial=True)
    assigned_categories = forms.MultipleChoiceField(
        label=_("loại hồ sơ được phân công duyệt"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=record_type_choices,
    )

    class Meta:
        model = StaffProfile
        fields = [
            "full_name",
            "school",
            "authority",
            "roles",
            "assigned_categories",
            "staff_code",
            "ministry_id",
            "date_of_birth",
            "sex",
            "position",
            "subjects_taught",
            "phone",
        ]
        widgets = {"roles": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.instance.user if self.instance.user_id else None
        if user is not None:
            self.fields["username"].initial = user.username
            self.fields["email"].initial = user.email
            self.fields["is_active"].initial = user.is_active
        else:
            self.fields["password"].required = True
            self.fields["password"].label = _("mật khẩu")
        scope = get_scope(self.for_user) if self.for_user else None
        if scope is not None and not scope.is_superuser:
            # A school's principal or administrator manages that school's accounts only.
            self.fields["roles"].queryset = Role.objects.exclude(code__in=AUTHORITY_ROLES)
            self.fields.pop("authority", None)
            self.fields["school"].required = True

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        clash = User.objects.filter(username__iexact=username)
        if self.instance.user_id:
            clash = clash.exclude(pk=self.instance.user_id)
        if clash.exists():
            raise ValidationError(_("Tên đăng nhập này đã có người dùng."))
        return username

    def clean(self):
        cleaned = super().clean()
        roles = {role.code for role in cleaned.get("roles") or []}
        if roles & AUTHORITY_ROLES and cleaned.get("school"):
            self.add_error("roles", _("Vai trò Phòng/Sở hoặc thanh tra không gắn với một trường."))
        if roles - AUTHORITY_ROLES and not cleaned.get("school"):
            self.add_error("school", _("Cán bộ của trường phải chọn trường."))
        password = cleaned.get("password")
        if password:
            User = get_user_model()
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned

    def save(self, commit=True):
        from recordpages.services import staff_account_save

        staff = super().save(commit=False)
        staff.assigned_categories = self.cleaned_data.get("assigned_categories") or []
        if not commit:
            return staff
        return staff_account_save(
            staff=staff,
            username=self.cleaned_data["username"],
            email=self.cleaned_data.get("email", ""),
            password=self.cleaned_data.get("password") or None,
            is_active=self.cleaned_data.get("is_active", True),
            roles=[role.code for role in self.cleaned_data["roles"]],
        )
