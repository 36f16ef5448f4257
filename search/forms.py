"""The query parameters shared by the admin screen and the JSON endpoint."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from search.types import SearchFilters, SearchQuery

PER_PAGE = 20


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm kiếm"), required=False, max_length=300)
    school = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    year = forms.MultipleChoiceField(required=False, choices=())
    record_type = forms.MultipleChoiceField(required=False, choices=())
    state = forms.MultipleChoiceField(required=False, choices=())
    grade = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    subject = forms.MultipleChoiceField(required=False, choices=())
    sort = forms.ChoiceField(
        label=_("Sắp xếp"),
        required=False,
        choices=[("relevance", _("Phù hợp nhất")), ("date", _("Mới nhất"))],
    )
    page = forms.IntegerField(required=False, min_value=1)
    per_page = forms.IntegerField(required=False, min_value=1, max_value=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Facet values are free-form; the engine, not the form, decides what exists.
        for name in ("school", "year", "record_type", "state", "grade", "subject"):
            self.fields[name].valid_value = lambda value: True

    def to_query(self) -> SearchQuery:
        data = self.cleaned_data if self.is_valid() else {}
        return SearchQuery(
            text=data.get("q") or "",
            filters=SearchFilters(
                school_ids=tuple(data.get("school") or ()),
                years=tuple(data.get("year") or ()),
                record_types=tuple(data.get("record_type") or ()),
                states=tuple(data.get("state") or ()),
                grades=tuple(data.get("grade") or ()),
                subjects=tuple(data.get("subject") or ()),
            ),
            sort=data.get("sort") or ("relevance" if data.get("q") else "date"),
            page=data.get("page") or 1,
            per_page=data.get("per_page") or PER_PAGE,
        )
