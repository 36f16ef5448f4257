"""Sổ bồi dưỡng thường xuyên: a teacher's record of in-service training, declared
here with its own path (the teacher hands it in, the principal alone approves and
publishes it) and its own deadline (approved by 20 December)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from recordpages import registry as r
from recordpages.models import RecordPage, RoleCode
from recordpages.registry import Actor, RecordType


class TrainingLogPage(RecordPage):
    rules = RecordType(
        code="training_log",
        label=_("Sổ bồi dưỡng thường xuyên"),
        steps=(
            r.submit(by=(Actor.AUTHOR,)),
            r.approve(by=(Actor.PRINCIPAL,)),
            r.give_back(),
            r.publish(),
        ),
        deadline=r.DayOfYear(12, 20),
        retention=_("5 năm"),
        document_prefix="BDTX",
        created_by=frozenset({RoleCode.TEACHER}),
    )
    has_title_scheme = False

    hours = models.PositiveSmallIntegerField(_("số tiết đã học"), default=0)
    content = RichTextField(_("nội dung bồi dưỡng"), blank=True)

    content_panels = [FieldPanel("title"), FieldPanel("hours"), FieldPanel("content")]
    search_fields = [*RecordPage.search_fields, index.SearchField("content")]
    parent_page_types = ["recordpages.SchoolYearPage"]

    class Meta:
        verbose_name = _("sổ bồi dưỡng thường xuyên")

    def completeness_errors(self) -> list[str]:
        errors = super().completeness_errors()
        if self.hours < 1:
            errors.append(str(_("Cần ghi số tiết đã học.")))
        return errors
