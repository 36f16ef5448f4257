"""Admin forms: the people snippets, scoped to the editing user's schools, and the page
form of plans handed in as a file."""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from intake import services as intake_services
from recordpages import registry
from recordpages.models.base import FileHandIn, HosoPageForm
from recordpages.models.people import (
    AUTHORITY_ROLES,
    Role,
    StaffProfile,
)
from recordpages.permissions import get_scope, limit_choices_to_user_schools


def record_type_choices():
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


# --- plans handed in as a file ---------------------------------------------------

ACCEPTED_EXTENSIONS = ".docx,.doc,.odt,.pdf,.xlsx,.xls,.ods"


class FileHandInPageForm(HosoPageForm):
    """The page form of a plan that may be handed in as a file (FileHandIn).

    The upload is checked by intake once everything else on the form is valid, so a
    refused file leaves nothing behind: no page saved, no file kept. The file is
    converted to PDF/A by the worker; the page names it and copies its hash."""

    source_upload = forms.FileField(
        label=_("Nộp bằng tệp (Word, PDF…)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPTED_EXTENSIONS}),
        help_text=_(
            "Word (.docx, .doc), OpenDocument (.odt, .ods), PDF hoặc Excel (.xlsx, .xls). "
            "Tệp được chuyển sang PDF để duyệt, ký số và lưu trữ. Khi đã nộp tệp, có thể "
            "để trống các mục nội dung bên dưới, hoặc ghi thêm bên cạnh tệp."
        ),
    )
    source_remove = forms.BooleanField(
        label=_("Bỏ tệp"),
        required=False,
        help_text=_("Bỏ tệp đã nộp; khi đó cần điền các mục nội dung của biểu mẫu."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        page = self.instance
        if not page.path and self.parent_page is not None:
            # A new record knows its school from its place in the tree before it is
            # saved: the upload is stored under that school.
            page._cached_parent_obj = self.parent_page
            page.prepare_tree_fields()

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        upload = self.cleaned_data.get("source_upload")
        if upload:
            self._hand_in(upload)
        elif self.cleaned_data.get("source_remove"):
            self.instance.source_file = None

    def _hand_in(self, upload) -> None:
        page = self.instance
        if _same_file(upload, page.current_source_file()):
            # The editor's autosave posts the chosen file again with every save: the
            # file handed in already is kept, not stored and converted once more.
            return
        try:
            record_file = intake_services.accept_upload(
                upload,
                school=page.school,
                staff=getattr(self.for_user, "staff_profile", None),
                page=page if page.pk else None,
            )
        except intake_services.IntakeRefused as refusal:
            self.add_error("source_upload", refusal.messages)
            return
        page.source_file = record_file


def _same_file(upload, current) -> bool:
    if current is None:
        return False
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest() == current.original_sha256


def use_file_hand_in_form() -> None:
    """Give every page type that mixes in FileHandIn the upload field (called from the
    app's ready(): the models cannot import this module, which imports intake)."""
    for model in registry.page_models():
        if not issubclass(model, FileHandIn):
            continue
        base = model.base_form_class
        if issubclass(base, FileHandInPageForm):
            continue
        if base is HosoPageForm:
            model.base_form_class = FileHandInPageForm
        else:
            model.base_form_class = type(f"{base.__name__}WithFile", (FileHandInPageForm, base), {})
