"""School-level pages and records: authority → school → school year, the school plan,
the enrollment register and the records a school defines."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from recordpages import blocks
from recordpages import registry as r
from recordpages.models.base import HosoPage, RecordPage
from recordpages.models.people import Pupil, RoleCode
from recordpages.registry import Actor, Milestone, RecordType, State


class AuthorityKind(models.TextChoices):
    DISTRICT_OFFICE = "district_office", _("Phòng Giáo dục và Đào tạo (cấp huyện)")
    COMMUNE = "commune", _("UBND phường/xã")
    DEPARTMENT = "department", _("Sở Giáo dục và Đào tạo")


class AuthorityPage(HosoPage):
    """The education authority above the schools; the public home of the site.

    Since July 2025 this is a ward/commune or the provincial department; the
    level above a school is data (FORMS.md), so a school's document header
    takes its issuing-body line from here.
    """

    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=AuthorityKind.choices)
    issuing_body = models.CharField(
        _("cơ quan chủ quản (dòng đầu tiêu đề văn bản)"),
        max_length=200,
        help_text=_("Ví dụ: UBND QUẬN DƯƠNG KINH, hoặc UBND XÃ …"),
    )
    place_name = models.CharField(_("địa danh"), max_length=100)
    intro = RichTextField(_("giới thiệu"), blank=True, features=["bold", "italic", "link", "ul"])

    content_panels = [
        *HosoPage.content_panels,
        FieldPanel("kind"),
        FieldPanel("issuing_body"),
        FieldPanel("place_name"),
        FieldPanel("intro"),
    ]
    search_fields = [*HosoPage.search_fields, index.SearchField("intro")]
    public_on_site = True
    parent_page_types = ["wagtailcore.Page", "recordpages.AuthorityPage"]
    subpage_types = ["recordpages.AuthorityPage", "recordpages.SchoolPage"]
    template = "recordpages/authority_page.html"

    class Meta:
        verbose_name = _("cơ quan quản lý giáo dục")
        verbose_name_plural = _("cơ quan quản lý giáo dục")


class SchoolPage(HosoPage):
    school = models.OneToOneField(
        "recordpages.School",
        verbose_name=_("trường"),
        on_delete=models.PROTECT,
        related_name="page",
    )
    intro = RichTextField(_("giới thiệu"), blank=True, features=["bold", "italic", "link", "ul"])

    has_title_scheme = True
    public_on_site = True
    content_panels = [*HosoPage.content_panels, FieldPanel("school"), FieldPanel("intro")]
    parent_page_types = ["recordpages.AuthorityPage"]
    subpage_types = ["recordpages.SchoolYearPage"]
    template = "recordpages/school_page.html"

    class Meta:
        verbose_name = _("trường học (trang)")
        verbose_name_plural = _("trường học (trang)")

    def compose_title(self) -> str | None:
        return self.school.name if self.school_id else None

    @property
    def authority(self) -> AuthorityPage | None:
        parent = self.tree_parent()
        return parent.specific if parent is not None else None


class SchoolYearPage(HosoPage):
    school_year = models.ForeignKey(
        "recordpages.SchoolYear",
        verbose_name=_("năm học"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    school = models.ForeignKey(
        "recordpages.School", on_delete=models.PROTECT, editable=False, null=True, related_name="+"
    )

    has_title_scheme = True
    content_panels = [*HosoPage.content_panels, FieldPanel("school_year")]
    parent_page_types = ["recordpages.SchoolPage"]
    subpage_types = [
        "recordpages.SchoolPlanPage",
        "recordpages.EnrollmentRegisterPage",
        "recordpages.ProfessionalGroupPage",
        "recordpages.ClassPage",
        "recordpages.OtherRecordPage",
    ]
    exclude_fields_in_copy = ["school"]

    class Meta:
        verbose_name = _("năm học (trang)")
        verbose_name_plural = _("năm học (trang)")

    def compose_title(self) -> str | None:
        if not self.school_year_id:
            return None
        return gettext("Năm học %(year)s") % {"year": self.school_year.name}

    def prepare_tree_fields(self) -> None:
        if self.school_id:
            return
        parent = self.tree_parent()
        if parent is not None:
            self.school_id = parent.specific_deferred.school_id

    def clean(self):
        super().clean()
        parent = self.tree_parent()
        if parent is not None and self.school_year_id:
            duplicate = (
                SchoolYearPage.objects.child_of(parent)
                .filter(school_year_id=self.school_year_id)
                .exclude(pk=self.pk)
            )
            if duplicate.exists():
                raise ValidationError({"school_year": _("Trường đã có trang cho năm học này.")})


# --- School-level records ---------------------------------------------------


class SchoolPlanPage(RecordPage):
    """Kế hoạch giáo dục nhà trường (Công văn 2345, Phụ lục 1)."""

    rules = RecordType(
        code="school_plan",
        order=10,
        label=_("Kế hoạch giáo dục nhà trường"),
        # Written by the principal or a vice-principal; approved by the principal
        # alone, then published on the school's site (Đ14.1, R10).
        steps=(
            r.submit(by=(Actor.PRINCIPAL, Actor.VICE_PRINCIPAL)),
            r.approve(by=(Actor.PRINCIPAL,)),
            r.give_back(),
            r.publish(),
        ),
        deadline=r.DayOfYear(9, 4),  # "nộp và duyệt trước ngày 05/9"
        retention=_("10 năm"),
        document_prefix="KH",
        created_by=frozenset({RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL}),
    )
    public_on_site = True  # once published (live); every other record stays off the site

    document_number = models.CharField(_("số văn bản"), max_length=40, blank=True, editable=False)
    legal_basis = RichTextField(_("I. Căn cứ xây dựng kế hoạch"))
    conditions = RichTextField(
        _("II. Điều kiện thực hiện"),
        help_text=_("Đặc điểm tình hình: học sinh, lớp, đội ngũ, cơ sở vật chất."),
    )
    objectives = RichTextField(_("III. Mục tiêu giáo dục"))
    organisation = RichTextField(_("IV. Tổ chức các môn học và hoạt động giáo dục"))
    time_allocation = StreamField(
        [("row", blocks.TimeAllocationRowBlock())],
        verbose_name=_("Phụ lục 1.1 – Phân phối thời lượng"),
        blank=True,
    )
    solutions = RichTextField(_("V. Giải pháp thực hiện"))
    implementation = RichTextField(_("VI. Tổ chức thực hiện"))
    recipients = models.TextField(_("Nơi nhận"), blank=True)
    appendices = StreamField(
        [("appendix", blocks.AppendixBlock())], verbose_name=_("Phụ lục khác"), blank=True
    )

    content_panels = [
        FieldPanel("title"),
        FieldPanel("author", read_only=True),
        FieldPanel("legal_basis"),
        FieldPanel("conditions"),
        FieldPanel("objectives"),
        FieldPanel("organisation"),
        FieldPanel("time_allocation"),
        FieldPanel("solutions"),
        FieldPanel("implementation"),
        FieldPanel("recipients"),
        FieldPanel("appendices"),
    ]
    search_fields = [
        *RecordPage.search_fields,
        index.SearchField("legal_basis"),
        index.SearchField("conditions"),
        index.SearchField("objectives"),
        index.SearchField("organisation"),
        index.SearchField("solutions"),
        index.SearchField("implementation"),
    ]
    parent_page_types = ["recordpages.SchoolYearPage"]
    max_count_per_parent = 1
    template = "recordpages/school_plan_page.html"

    class Meta:
        verbose_name = _("kế hoạch giáo dục nhà trường")
        verbose_name_plural = _("kế hoạch giáo dục nhà trường")

    def compose_title(self) -> str | None:
        if not (self.school_id and self.school_year_id):
            return None
        return gettext("Kế hoạch giáo dục nhà trường năm học %(year)s – %(school)s") % {
            "year": self.year_name,
            "school": self.school_name,
        }

    def is_public_on_site(self) -> bool:
        # Public once the workflow published it: live alone is not enough. The
        # state row belongs to the workflow app; it is read by name, not imported.
        record = getattr(self, "record_state", None)
        return (
            super().is_public_on_site() and record is not None and record.state == State.PUBLISHED
        )


class EnrollmentRegisterPage(RecordPage):
    """Sổ đăng bộ of one cohort (khóa), kept current from CSDL ngành."""

    rules = RecordType(
        code="enrollment_register",
        order=60,
        label=_("Sổ đăng bộ"),
        # Kept up to date all year, closed, printed and signed (R9: paper first).
        initial=State.MAINTAINED,
        steps=(
            r.finalize(),
            r.confirm_paper(after=State.FINALIZED),
            r.sign(),
        ),
        deadline=r.DayOfYear(5, 30),  # follows the học bạ to signing
        milestone=Milestone.SIGNED,
        freeze_on=frozenset({State.SIGNED}),
        retention=_("Vĩnh viễn"),
        created_by=frozenset({RoleCode.PRINCIPAL, RoleCode.SYSADMIN, RoleCode.CLERK}),
    )

    cohort = models.CharField(
        _("khóa"), max_length=9, help_text=_("Năm vào lớp 1 – năm hoàn thành, ví dụ 2020-2025.")
    )
    notes = models.TextField(_("ghi chú"), blank=True)

    content_panels = [
        FieldPanel("title"),
        FieldPanel("cohort"),
        FieldPanel("author", read_only=True),
        FieldPanel("notes"),
        InlinePanel("entries", label=_("Học sinh trong sổ")),
    ]
    parent_page_types = ["recordpages.SchoolYearPage"]
    template = "recordpages/enrollment_register_page.html"

    class Meta:
        verbose_name = _("sổ đăng bộ")
        verbose_name_plural = _("sổ đăng bộ")

    def compose_title(self) -> str | None:
        if not (self.cohort and self.school_id):
            return None
        return gettext("Sổ đăng bộ khóa %(cohort)s – %(school)s") % {
            "cohort": self.cohort,
            "school": self.school_name,
        }

    def clean(self):
        super().clean()
        import re

        match = re.fullmatch(r"(\d{4})-(\d{4})", self.cohort or "")
        if not match or int(match.group(2)) - int(match.group(1)) != 5:
            raise ValidationError({"cohort": _("Khóa viết dạng 2020-2025 (5 năm học).")})


class RegisterEntry(Orderable):
    """One line of the sổ đăng bộ (FORMS.md: the register's columns)."""

    page = ParentalKey(EnrollmentRegisterPage, on_delete=models.CASCADE, related_name="entries")
    pupil = models.ForeignKey(Pupil, verbose_name=_("học sinh"), on_delete=models.PROTECT)
    register_number = models.CharField(_("số đăng bộ"), max_length=20)
    entry_date = models.DateField(_("ngày nhập học"))
    entry_class = models.CharField(_("vào lớp"), max_length=10)
    left_on = models.DateField(_("ngày rời trường"), null=True, blank=True)
    left_reason = models.CharField(_("lí do rời trường"), max_length=200, blank=True)
    completed_on = models.DateField(
        _("ngày hoàn thành chương trình tiểu học"), null=True, blank=True
    )
    notes = models.CharField(_("ghi chú"), max_length=200, blank=True)

    panels = [
        FieldPanel("pupil"),
        FieldRowPanel([FieldPanel("register_number"), FieldPanel("entry_date")]),
        FieldPanel("entry_class"),
        FieldRowPanel([FieldPanel("left_on"), FieldPanel("left_reason")]),
        FieldPanel("completed_on"),
        FieldPanel("notes"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("dòng sổ đăng bộ")
        verbose_name_plural = _("dòng sổ đăng bộ")


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
            deadline=deadline,
            milestone=Milestone.SIGNED if paper else Milestone.APPROVED,
            freeze_on=frozenset({State.SIGNED}) if paper else base.freeze_on,
            retention=self.retention or base.retention,
            category_id=self.pk,
        )


class OtherRecordPage(RecordPage):
    """Other records the school defines, each with its own deadline (Đ12)."""

    rules = RecordType(
        code="other",
        order=70,
        label=_("Hồ sơ khác"),
        steps=(r.submit(by=(Actor.AUTHOR, Actor.PRINCIPAL)), r.approve(), r.give_back()),
        deadline=r.SetOnRecord("deadline"),  # Đ12: the school sets it
        retention=_("Theo quy định của nhà trường"),
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
    body = StreamField([("section", blocks.SectionBlock())], verbose_name=_("nội dung"))
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
