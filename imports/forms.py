"""The upload form: the school list is the user's importable schools only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from imports.reader import limits
from imports.selectors import importable_schools
from recordpages.models import SchoolYear


class UploadForm(forms.Form):
    school = forms.ModelChoiceField(label=_("Trường"), queryset=None)
    school_year = forms.ModelChoiceField(label=_("Năm học"), queryset=SchoolYear.objects.all())
    file = forms.FileField(
        label=_("Tệp .xlsx, .xls hoặc .csv xuất từ CSDL ngành"),
        help_text=_("Danh sách học sinh, lớp hoặc cán bộ; có thể gồm nhiều trang tính."),
        # What the reader opens; the browser's picker shows these first, the content decides.
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        schools = importable_schools(user)
        self.fields["school"].queryset = schools
        if schools.count() == 1:
            self.fields["school"].initial = schools.first()
        self.fields["school_year"].initial = SchoolYear.objects.order_by("-start_date").first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = limits()["max_bytes"]
        if upload.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn: tối đa %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
            )
        return upload
