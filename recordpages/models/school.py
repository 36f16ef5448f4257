"""School-level pages and records: authority → school → school year, the school plan,
the enrollment register and the records a school defines."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable
from wagtail.search import index

from recordpages import blocks
from recordpages import chains as c
from recordpages import registry as r
from recordpages.models.base import FileHandIn, HosoPage, RecordFilePanel, RecordPage
from recordpages.models.people import Pupil, RoleCode
from recordpages.registry import Actor, Milestone, RecordType, State
from recordpages.retention import TT27_2016_SCHOOLING, kept_for, kept_permanently


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
        help_text=_(
            "Dùng khi trường chưa khai báo cơ quan quản lý theo năm học; "
            "các mục đó thay thế dòng này cho từng năm học."
        ),
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


class AuthorityTerm(models.Model):
    """Who stands above a school from one school year on (FORMS.md: the level above a
    school is data). A record's header takes the term in force for the record's own
    year, so the 1 July 2025 reform changes the header of 2025-2026 onwards and never
    an earlier record; the term also gives the school's place (xã/phường, quận/huyện
    before the reform, tỉnh/thành phố) printed on the học bạ's cover."""

    school = models.ForeignKey(
        "recordpages.School",
        verbose_name=_("trường"),
        on_delete=models.CASCADE,
        related_name="authority_terms",
    )
    starts = models.ForeignKey(
        "recordpages.SchoolYear",
        verbose_name=_("áp dụng từ năm học"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("loại cơ quan"), max_length=20, choices=AuthorityKind.choices)
    issuing_body = models.CharField(
        _("cơ quan chủ quản (dòng đầu tiêu đề văn bản)"),
        max_length=200,
        help_text=_("Ví dụ: PHÒNG GD&ĐT QUẬN DƯƠNG KINH; từ năm học 2025-2026: UBND PHƯỜNG …"),
    )
    authority_name = models.CharField(
        _("tên đầy đủ của cơ quan"),
        max_length=200,
        help_text=_("Ví dụ: Ủy ban nhân dân phường Dương Kinh."),
    )
    professional_body = models.CharField(
        _("cơ quan quản lý chuyên môn"),
        max_length=200,
        blank=True,
        help_text=_("Từ năm học 2025-2026: Sở Giáo dục và Đào tạo của tỉnh, thành phố."),
    )
    commune = models.CharField(_("xã / phường / thị trấn"), max_length=100)
    district = models.CharField(
        _("quận / huyện / thị xã"),
        max_length=100,
        blank=True,
        help_text=_("Để trống từ năm học 2025-2026 (không còn cấp huyện)."),
    )
    province = models.CharField(_("tỉnh / thành phố"), max_length=100)

    class Meta:
        ordering = ["school__name", "-starts__start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "starts"], name="one_authority_term_per_year")
        ]
        verbose_name = _("cơ quan quản lý theo năm học")
        verbose_name_plural = _("cơ quan quản lý theo năm học")

    def __str__(self) -> str:
        return gettext("%(body)s (từ năm học %(year)s)") % {
            "body": self.issuing_body,
            "year": self.starts.name,
        }


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


class SchoolPlanPage(FileHandIn, RecordPage):
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
        # The writer, then the principal; the archive adds the school's seal.
        signature_steps=(
            c.personal(
                "nguoi_lap",
                _("Người lập kế hoạch"),
                on=r.SUBMIT,
                by=(Actor.PRINCIPAL, Actor.VICE_PRINCIPAL),
            ),
            c.personal("hieu_truong", c.PRINCIPAL_LABEL, on=r.APPROVE, by=(Actor.PRINCIPAL,)),
        ),
        deadline=r.DayOfYear(9, 4),  # "nộp và duyệt trước ngày 05/9"
        retention=kept_for(10, source=TT27_2016_SCHOOLING),
        document_prefix="KH",
        created_by=frozenset({RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL}),
    )
    public_on_site = True  # once published (live); every other record stays off the site

    document_number = models.CharField(_("số văn bản"), max_length=40, blank=True, editable=False)
    legal_basis = RichTextField(_("I. Căn cứ xây dựng kế hoạch"), blank=True)
    conditions = RichTextField(
        _("II. Điều kiện thực hiện"),
        blank=True,
        help_text=_("Đặc điểm tình hình: học sinh, lớp, đội ngũ, cơ sở vật chất."),
    )
    objectives = RichTextField(_("III. Mục tiêu giáo dục"), blank=True)
    organisation = RichTextField(_("IV. Tổ chức các môn học và hoạt động giáo dục"), blank=True)
    time_allocation = StreamField(
        [("row", blocks.TimeAllocationRowBlock())],
        verbose_name=_("Phụ lục 1.1 – Phân phối thời lượng"),
        blank=True,
    )
    solutions = RichTextField(_("V. Giải pháp thực hiện"), blank=True)
    implementation = RichTextField(_("VI. Tổ chức thực hiện"), blank=True)
    recipients = models.TextField(_("Nơi nhận"), blank=True)
    appendices = StreamField(
        [("appendix", blocks.AppendixBlock())], verbose_name=_("Phụ lục khác"), blank=True
    )

    content_panels = [
        FieldPanel("title"),
        RecordFilePanel(),
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
    form_content_fields = (
        "legal_basis",
        "conditions",
        "objectives",
        "organisation",
        "solutions",
        "implementation",
    )

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
            # The principal signs, then the clerk applies the seal: one step, two signatures.
            r.sign(by=(Actor.PRINCIPAL, Actor.CLERK), instead=r.IN_CHARGE),
        ),
        signature_steps=(
            c.personal(
                "nguoi_chot_so",
                _("Người chốt sổ"),
                on=r.FINALIZE,
                by=(Actor.PRINCIPAL, Actor.SYSADMIN),
            ),
            c.personal("hieu_truong", c.PRINCIPAL_LABEL, on=r.SIGN, by=(Actor.PRINCIPAL,)),
            c.seal(on=r.SIGN),
        ),
        deadline=r.DayOfYear(5, 30),  # follows the học bạ to signing
        milestone=Milestone.SIGNED,
        freeze_on=frozenset({State.SIGNED}),
        retention=kept_permanently(source=TT27_2016_SCHOOLING),
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
