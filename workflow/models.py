"""The workflow state of each record, kept beside the page (not on it).

A separate row one-to-one with the page keeps the state out of Wagtail's
revisions entirely: no publish, revert or copy can change it (DESIGN.md). It
also carries the record's school, year, type, group and class, so that
dashboards, deadlines and search scope one table instead of seven.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from recordpages.models import RECORD_TYPE_CHOICES
from workflow.choices import State


class RecordState(ConcurrentTransitionMixin, models.Model):
    page = models.OneToOneField(
        "wagtailcore.Page", primary_key=True, on_delete=models.CASCADE, related_name="record_state"
    )
    record_type = models.CharField(_("loại hồ sơ"), max_length=32, choices=RECORD_TYPE_CHOICES)
    school = models.ForeignKey("recordpages.School", on_delete=models.CASCADE, related_name="+")
    school_year = models.ForeignKey(
        "recordpages.SchoolYear", on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "recordpages.ProfessionalGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    school_class = models.ForeignKey(
        "recordpages.SchoolClass",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        "recordpages.StaffProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    state = FSMField(_("trạng thái"), default=State.DRAFT, choices=State.choices, protected=True)
    deadline = models.DateField(_("hạn"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    approved_revision = models.ForeignKey(
        "wagtailcore.Revision", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_hash = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=0)
    return_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("trạng thái hồ sơ")
        verbose_name_plural = _("trạng thái hồ sơ")
        indexes = [
            models.Index(fields=["school", "school_year", "record_type", "state"]),
            models.Index(fields=["deadline"]),
            models.Index(fields=["author", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.page_id}: {self.state}"
