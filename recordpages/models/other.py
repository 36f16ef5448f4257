"""Records a school defines (Đ12): its categories and the "other records" filed under them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from recordpages import blocks
from recordpages import chains as c
from recordpages import registry as r
from recordpages.models.base import FileHandIn, RecordFilePanel, RecordPage
from recordpages.models.people import RoleCode
from recordpages.registry import Actor, Milestone, RecordType, State
from recordpages.retention import SCHOOL_DECIDES


class RecordCategory(models.Model):
    """A category of "other records" a school defines (Đ12: the school sets their
    deadlines): an entry of the record-type registry made in the admin, with its own
    path, deadline and retention. Records filed under it follow its rules."""

    school = models.ForeignKey(
        "recordpages.School", verbose_name=_("trường"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("tên loại hồ sơ"), max_length=150)
    path = models.CharField(
        _("quy trình"),
        max_length=20,
        choices=r.CategoryPath.choices,
        default=r.CategoryPath.APPROVE,
    )
    deadline_day = models.PositiveSmallIntegerField(
        _("hạn: ngày"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    deadline_month = models.PositiveSmallIntegerField(
        _("hạn: tháng"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_(
            "Ngày, tháng trong năm học mà hồ sơ phải được duyệt (từ tháng 8 tính vào năm đầu "
            "của năm học). Để trống: ghi hạn trên từng hồ sơ."
        ),
    )
    retention = models.CharField(
        _("thời hạn lưu trữ"), max_length=100, default=_("Theo quy định của nhà trường")
    )

    class Meta:
        ordering = ["school", "name"]
        verbose_name = _("loại hồ sơ khác của trường")
        verbose_name_plural = _("loại hồ sơ khác của trường")
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="unique_category_name")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if bool(self.deadline_day) != bool(self.deadline_month):
            raise ValidationError(_("Cần ghi cả ngày và tháng của hạn, hoặc để trống cả hai."))
        if self.deadline_day and self.deadline_month:
            try:
                dt.date(2024, self.deadline_month, self.deadline_day)  # a leap year
            except ValueError:
                raise ValidationError(
                    {"deadline_day": _("Ngày này không có trong tháng đã chọn.")}
                ) from None

    def rules(self) -> RecordType:
        """This category as a record type: "other records" with the school's choices.
        Built once per loaded category (the policy asks a record's rules several times
        per step), again if its fields change."""
        key = (self.pk, self.name, self.path, self.deadline_day, self.deadline_month)
        key += (self.retention,)
        cached = self.__dict__.get("_rules")
        if cached is None or cached[0] != key:
            cached = self.__dict__["_rules"] = (key, self._build_rules())
        return cached[1]

    def _build_rules(self) -> RecordType:
        base = OtherRecordPage.rules
        paper = self.path == r.CategoryPath.PAPER
        deadline = (
            r.DayOfYear(self.deadline_month, self.deadline_day)
            if self.deadline_month and self.deadline_day
            else base.deadline
        )
        return replace(
            base,
            label=self.name,
            steps=r.category_steps(self.path),
            signature_steps=c.CATEGORY_CHAINS[r.CategoryPath(self.path)],
            deadline=deadline,
            milestone=Milestone.SIGNED if paper else Milestone.APPROVED,
            freeze_on=frozenset({State.SIGNED}) if paper else base.freeze_on,
            retention=self.retention or base.retention,
            category_id=self.pk,
        )


class OtherRecordPage(FileHandIn, RecordPage):
    """Other records the school defines, each with its own deadline (Đ12)."""

    rules = RecordType(
        code="other",
        order=70,
        label=_("Hồ sơ khác"),
        steps=(r.submit(by=(Actor.AUTHOR, Actor.PRINCIPAL)), r.approve(), r.give_back()),
        signature_steps=c.CATEGORY_CHAINS[r.CategoryPath.APPROVE],
        deadline=r.SetOnRecord("deadline"),  # Đ12: the school sets it
        retention=SCHOOL_DECIDES,
        document_prefix="HS",
        created_by=frozenset(
            {
                RoleCode.PRINCIPAL,
                RoleCode.VICE_PRINCIPAL,
                RoleCode.SYSADMIN,
                RoleCode.GROUP_LEADER,
                RoleCode.TEACHER,
                RoleCode.CLERK,
                RoleCode.ACCOUNTANT,
                RoleCode.ARCHIVIST,
            }
        ),
    )
    has_title_scheme = False

    category = models.CharField(_("loại hồ sơ"), max_length=150)
    record_category = models.ForeignKey(
        RecordCategory,
        verbose_name=_("thuộc danh mục của trường"),
        help_text=_("Hồ sơ theo quy trình và hạn của danh mục nhà trường đã lập."),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(
        _("hạn hoàn thành do nhà trường quy định"),
        null=True,
        blank=True,
        help_text=_("Để trống khi danh mục đã có hạn."),
    )
    body = StreamField([("section", blocks.SectionBlock())], verbose_name=_("nội dung"), blank=True)
    attachment = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name=_("tệp đính kèm"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    content_panels = [
        FieldPanel("title"),
        RecordFilePanel(),
        FieldPanel("category"),
        FieldPanel("record_category"),
        FieldPanel("deadline"),
        FieldPanel("author", read_only=True),
        FieldPanel("body"),
        FieldPanel("attachment"),
    ]
    search_fields = [*RecordPage.search_fields, index.SearchField("category")]
    parent_page_types = ["recordpages.SchoolYearPage"]
    template = "recordpages/other_record_page.html"
    form_content_fields = ("body",)

    class Meta:
        verbose_name = _("hồ sơ khác")
        verbose_name_plural = _("hồ sơ khác")

    def clean(self):
        super().clean()
        category = self.record_category if self.record_category_id else None
        if category is not None and self.school_id and category.school_id != self.school_id:
            raise ValidationError({"record_category": _("Danh mục này thuộc trường khác.")})
        if self.deadline is None and not (category and category.deadline_month):
            raise ValidationError(
                {"deadline": _("Cần ghi hạn hoàn thành (hoặc chọn danh mục đã có hạn).")}
            )
