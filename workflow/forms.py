from django import forms
from django.utils.translation import gettext_lazy as _

from recordpages import registry
from recordpages.models import RoleCode, SchoolYear, StaffProfile
from recordpages.permissions import visible_schools


class TransitionForm(forms.Form):
    seen_state = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=_("Lí do / nhận xét"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )

    def __init__(self, *args, needs_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if self.needs_reason and not reason:
            # The step's own rule (TakeStep says the same), said on the form it belongs to.
            raise forms.ValidationError(_("Cần ghi lí do trả lại."))
        return reason


class CorrectionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Lí do đề nghị sửa dữ liệu"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )


class AdjustmentsForm(forms.Form):
    adjustments = forms.CharField(
        label=_("IV. Điều chỉnh sau bài dạy"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
    )


class LockForm(forms.Form):
    school = forms.ModelChoiceField(label=_("Trường"), queryset=None)
    school_year = forms.ModelChoiceField(
        label=_("Năm học (để trống: mọi năm)"), queryset=SchoolYear.objects.all(), required=False
    )
    record_type = forms.ChoiceField(
        label=_("Loại hồ sơ (để trống: mọi loại)"),
        choices=lambda: [("", "—"), *registry.choices()],
        required=False,
    )
    requested_by = forms.ModelChoiceField(label=_("Hiệu trưởng đề nghị"), queryset=None)
    reason = forms.CharField(
        label=_("Lí do"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = visible_schools(user)
        self.fields["school"].queryset = schools
        self.fields["requested_by"].queryset = StaffProfile.objects.filter(
            school__in=schools, roles__code=RoleCode.PRINCIPAL
        )
