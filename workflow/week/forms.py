"""Forms of the week screens: which class and week, a week's files, what to confirm."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from recordpages.programme import SUBJECT_CHOICES
from recordpages.weeks import MAX_WEEK


class WeekForm(forms.Form):
    """The class and week a button on the dashboard stands for (hidden fields): a
    second click on the same button names the same week and is refused, never a
    plan for the week after."""

    school_class = forms.IntegerField(required=False, widget=forms.HiddenInput)
    week = forms.IntegerField(
        label=_("Tuần"), min_value=1, max_value=MAX_WEEK, widget=forms.HiddenInput
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class WeekFilesForm(forms.Form):
    files = MultipleFileField(
        label=_("Các tệp kế hoạch bài dạy của tuần"),
        help_text=_(
            "Một tệp cho mỗi bài, hoặc một tệp cho cả tuần: Word (.docx, .doc), "
            "OpenDocument (.odt) hoặc PDF. Có thể kéo thả nhiều tệp vào ô này."
        ),
    )
    school_class = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConfirmFilesForm(forms.Form):
    """What could not be guessed: the week (prefilled), and a subject per file whose
    name says none (optional: a file for the whole week has none)."""

    token = forms.CharField(widget=forms.HiddenInput)
    school_class = forms.IntegerField(required=False, widget=forms.HiddenInput)
    week = forms.IntegerField(label=_("Tuần"), min_value=1, max_value=MAX_WEEK)

    def __init__(self, *args, unknown_files: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        for index, name in unknown_files:
            self.fields[f"subject_{index}"] = forms.ChoiceField(
                label=name,
                choices=[("", _("(cả tuần / không rõ môn)")), *SUBJECT_CHOICES],
                required=False,
            )
