"""Class pages and pupils' records: học bạ with its results, and the class summary."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index

from recordpages import chains as c
from recordpages import grid_rows, grids, programme
from recordpages import registry as r
from recordpages.models.base import HosoPage, HosoPageForm, RecordPage
from recordpages.models.people import Pupil, RoleCode, SchoolClass
from recordpages.registry import Actor, Milestone, RecordType, State
from recordpages.retention import TT27_2016_SCHOOLING, kept_permanently


class ClassPage(HosoPage):
    school_class = models.OneToOneField(
        SchoolClass, verbose_name=_("lớp"), on_delete=models.PROTECT, related_name="page"
    )

    has_title_scheme = True
    content_panels = [*HosoPage.content_panels, FieldPanel("school_class")]
    parent_page_types = ["recordpages.SchoolYearPage"]
    subpage_types = ["recordpages.StudentRecordPage", "recordpages.ClassResultSummaryPage"]

    class Meta:
        verbose_name = _("lớp học")
        verbose_name_plural = _("lớp học")

    def compose_title(self) -> str | None:
        if not self.school_class_id:
            return None
        return gettext("Lớp %(class)s") % {"class": self.school_class.name}


class ClassRecordPage(RecordPage):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, editable=False, null=True, related_name="+"
    )
    parent_page_types = ["recordpages.ClassPage"]
    exclude_fields_in_copy = [*RecordPage.exclude_fields_in_copy, "school_class"]

    class Meta:
        abstract = True

    def prepare_tree_fields(self) -> None:
        if not self.school_class_id:
            parent = self.tree_parent()
            if parent is not None:
                self.school_class_id = parent.specific_deferred.school_class_id
        super().prepare_tree_fields()

    @property
    def grade(self) -> int | None:
        return self.school_class.grade if self.school_class_id else None


class YearEndResult(models.TextChoices):
    EXCELLENT = "HTXS", _("Hoàn thành xuất sắc")
    GOOD = "HTT", _("Hoàn thành tốt")
    COMPLETED = "HT", _("Hoàn thành")
    NOT_COMPLETED = "CHT", _("Chưa hoàn thành")


class Promotion(models.TextChoices):
    PROMOTED = "len_lop", _("Được lên lớp")
    COMPLETED_GRADE = "ht_lop", _("Hoàn thành chương trình lớp học")
    COMPLETED_PRIMARY = "ht_tieu_hoc", _("Hoàn thành chương trình tiểu học")
    REPEAT = "o_lai", _("Ở lại lớp")


class SubjectLevel(models.TextChoices):
    """Môn học và HĐGD: T/H/C (Thông tư 27/2020 Điều 6)."""

    GOOD = "T", _("Hoàn thành tốt")
    COMPLETED = "H", _("Hoàn thành")
    NOT_COMPLETED = "C", _("Chưa hoàn thành")


class CompetenceLevel(models.TextChoices):
    """Phẩm chất, năng lực: T/Đ/C. Đ is never D; this C is not the subjects' C."""

    GOOD = "T", _("Tốt")
    PASS = "Đ", _("Đạt")
    NEEDS_EFFORT = "C", _("Cần cố gắng")


class StudentRecordForm(HosoPageForm):
    """Checks scores against the class's grade (known from the tree), offers its rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_grade = grids.add_missing_rows(self)

    def clean(self):
        cleaned = super().clean()
        grade = self.class_grade
        formset = self.formsets.get("subject_results")
        if formset is None or not formset.is_valid():
            return cleaned
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            scores = {
                name: data.get(name)
                for name in ("score_mid1", "score_term1", "score_mid2", "score_year")
            }
            for field, message in score_errors(data.get("subject"), grade, scores).items():
                form.add_error(field, message)
        return cleaned


class StudentRecordPage(ClassRecordPage):
    """Học bạ of one pupil for one school year (Thông tư 27/2020, Phụ lục 1)."""

    rules = RecordType(
        code="student_record",
        order=40,
        label=_("Học bạ"),
        steps=(
            r.submit(by=(Actor.HOMEROOM,)),
            r.approve(),
            r.give_back(),
            r.confirm_paper(),
            # The clerk applies the school's seal once the paper copy is confirmed.
            r.sign(by=(Actor.CLERK,)),
        ),
        # The digital học bạ: the homeroom teacher's and the principal's signatures,
        # then the school's seal (Thông tư 27/2020, CV 2817/SGDĐT-VP).
        signature_steps=(
            c.personal(
                "giao_vien_chu_nhiem", _("Giáo viên chủ nhiệm"), on=r.SUBMIT, by=(Actor.HOMEROOM,)
            ),
            c.personal(
                "hieu_truong",
                c.PRINCIPAL_LABEL,
                on=r.APPROVE,
                by=(Actor.PRINCIPAL, Actor.ASSIGNED_VP),
            ),
            c.seal(on=r.SIGN),
        ),
        deadline=r.DayOfYear(5, 30),  # "ký duyệt trước ngày 31/5"
        milestone=Milestone.SIGNED,
        freeze_on=frozenset({State.SIGNED}),  # R9: the paper copy first, then signed
        retention=kept_permanently(source=TT27_2016_SCHOOLING),
        created_by=frozenset({RoleCode.PRINCIPAL, RoleCode.VICE_PRINCIPAL, RoleCode.TEACHER}),
    )

    pupil = models.ForeignKey(
        Pupil, verbose_name=_("học sinh"), on_delete=models.PROTECT, related_name="+"
    )
    height_cm = models.PositiveSmallIntegerField(_("chiều cao (cm)"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("cân nặng (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    days_absent_excused = models.PositiveSmallIntegerField(_("số ngày nghỉ có phép"), default=0)
    days_absent_unexcused = models.PositiveSmallIntegerField(
        _("số ngày nghỉ không phép"), default=0
    )
    year_end_result = models.CharField(
        _("kết quả giáo dục cuối năm"), max_length=4, choices=YearEndResult.choices, blank=True
    )
    commendation = models.CharField(_("khen thưởng"), max_length=300, blank=True)
    promotion = models.CharField(
        _("lên lớp / hoàn thành chương trình"), max_length=12, choices=Promotion.choices, blank=True
    )
    teacher_comment = models.TextField(_("nhận xét của giáo viên chủ nhiệm"), blank=True)

    content_panels = [
        MultiFieldPanel(
            [
                *[FieldPanel(name) for name in ("title", "pupil")],
                FieldPanel("author", read_only=True),
                FieldRowPanel([FieldPanel("height_cm"), FieldPanel("weight_kg")]),
                FieldRowPanel([FieldPanel(name) for name in grids.ABSENCE_FIELDS]),
            ],
            heading=_("Học sinh"),
        ),
        grids.ResultGridPanel(grid=grids.SUBJECT_GRID),
        grids.ResultGridPanel(grid=grids.COMPETENCE_GRID),
        MultiFieldPanel(
            [FieldPanel(name) for name in grids.YEAR_END_FIELDS],
            heading=_("Kết quả giáo dục cuối năm"),
        ),
    ]
    search_fields = [*RecordPage.search_fields, index.SearchField("teacher_comment")]
    template = "recordpages/student_record_page.html"
    base_form_class = StudentRecordForm

    class Meta:
        verbose_name = _("học bạ")
        verbose_name_plural = _("học bạ")

    def compose_title(self) -> str | None:
        if not (self.pupil_id and self.school_class_id and self.school_year_id):
            return None
        return gettext("Học bạ – %(pupil)s – Lớp %(class)s – %(year)s") % {
            "pupil": self.pupil.full_name,
            "class": self.school_class.name,
            "year": self.year_name,
        }

    def completeness_errors(self) -> list[str]:
        """Every subject of the grade has its year-end level, every quality and
        competence of the programme is assessed, and the year-end result is set."""
        errors = super().completeness_errors()
        results = {result.subject: result for result in self.subject_results.all()}
        for subject in programme.subjects_for_grade(self.grade or 1, include_electives=False):
            result = results.get(subject.code)
            if result is None or not result.level:
                errors.append(
                    _("Thiếu mức đạt được cuối năm môn %(subject)s.") % {"subject": subject.name}
                )
        assessed = {c.competence for c in self.competence_results.all() if c.level}
        if not {code for code, _label in programme.COMPETENCE_CHOICES} <= assessed:
            errors.append(str(_("Thiếu đánh giá phẩm chất, năng lực cuối năm.")))
        if not self.year_end_result:
            errors.append(str(_("Thiếu kết quả giáo dục cuối năm.")))
        return errors


class SubjectResult(grid_rows.WrittenWhenChanged, Orderable):
    page = ParentalKey(StudentRecordPage, on_delete=models.CASCADE, related_name="subject_results")
    subject = models.CharField(
        _("môn học / HĐGD"), max_length=40, choices=programme.SUBJECT_CHOICES
    )
    # Thông tư 27/2020 Điều 6: a level at each of the four periodic evaluations, each
    # printed only by its own period's class summary.
    level_mid1 = models.CharField(
        _("mức đạt được giữa HK I"), max_length=1, choices=SubjectLevel.choices, blank=True
    )
    level_term1 = models.CharField(
        _("mức đạt được cuối HK I"), max_length=1, choices=SubjectLevel.choices, blank=True
    )
    level_mid2 = models.CharField(
        _("mức đạt được giữa HK II"), max_length=1, choices=SubjectLevel.choices, blank=True
    )
    level = models.CharField(
        _("mức đạt được cuối năm"), max_length=1, choices=SubjectLevel.choices, blank=True
    )
    score_mid1 = models.PositiveSmallIntegerField(_("điểm KTĐK giữa HK I"), null=True, blank=True)
    score_term1 = models.PositiveSmallIntegerField(_("điểm KTĐK cuối HK I"), null=True, blank=True)
    score_mid2 = models.PositiveSmallIntegerField(_("điểm KTĐK giữa HK II"), null=True, blank=True)
    score_year = models.PositiveSmallIntegerField(_("điểm KTĐK cuối năm"), null=True, blank=True)
    comment = models.CharField(_("nhận xét"), max_length=500, blank=True)

    panels = [
        FieldPanel("subject"),
        FieldRowPanel(
            [
                FieldPanel("level_mid1"),
                FieldPanel("level_term1"),
                FieldPanel("level_mid2"),
                FieldPanel("level"),
            ]
        ),
        FieldRowPanel(
            [
                FieldPanel("score_mid1"),
                FieldPanel("score_term1"),
                FieldPanel("score_mid2"),
                FieldPanel("score_year"),
            ]
        ),
        FieldPanel("comment"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("kết quả môn học")
        verbose_name_plural = _("kết quả môn học")

    @property
    def subject_name(self) -> str:
        return programme.SUBJECTS_BY_CODE[self.subject].name

    def scores(self) -> dict[str, int | None]:
        return {
            "score_mid1": self.score_mid1,
            "score_term1": self.score_term1,
            "score_mid2": self.score_mid2,
            "score_year": self.score_year,
        }

    def clean(self):
        super().clean()
        try:
            grade = self.page.grade
        except StudentRecordPage.DoesNotExist:  # a page being created: its form checks the grade
            grade = None
        errors = score_errors(self.subject, grade, self.scores())
        if errors:
            raise ValidationError(errors)


def score_errors(subject_code: str, grade: int | None, scores: dict) -> dict[str, str]:
    """Circular 27 rules on periodic test scores, shared by the model and the admin form."""
    errors: dict[str, str] = {}
    for field, value in scores.items():
        if value is not None and not 1 <= value <= 10:
            errors[field] = _("Điểm kiểm tra định kì là số nguyên từ 1 đến 10.")
    subject = programme.SUBJECTS_BY_CODE.get(subject_code)
    if subject and grade:
        if not subject.has_test(grade) and any(v is not None for v in scores.values()):
            errors["score_year"] = _("Môn này không có bài kiểm tra định kì ở khối %(grade)s.") % {
                "grade": grade
            }
        elif not subject.has_midterm_test(grade) and (
            scores.get("score_mid1") is not None or scores.get("score_mid2") is not None
        ):
            errors["score_mid1"] = _("Chỉ Tiếng Việt và Toán lớp 4, 5 có kiểm tra giữa kì.")
    return errors


class CompetenceResult(grid_rows.WrittenWhenChanged, Orderable):
    page = ParentalKey(
        StudentRecordPage, on_delete=models.CASCADE, related_name="competence_results"
    )
    competence = models.CharField(
        _("phẩm chất / năng lực"), max_length=40, choices=programme.COMPETENCE_CHOICES
    )
    level_mid1 = models.CharField(
        _("mức giữa HK I"), max_length=1, choices=CompetenceLevel.choices, blank=True
    )
    level_term1 = models.CharField(
        _("mức cuối HK I"), max_length=1, choices=CompetenceLevel.choices, blank=True
    )
    level_mid2 = models.CharField(
        _("mức giữa HK II"), max_length=1, choices=CompetenceLevel.choices, blank=True
    )
    level = models.CharField(
        _("mức cuối năm"), max_length=1, choices=CompetenceLevel.choices, blank=True
    )
    comment = models.CharField(_("nhận xét"), max_length=500, blank=True)

    panels = [
        FieldPanel("competence"),
        FieldRowPanel(
            [
                FieldPanel("level_mid1"),
                FieldPanel("level_term1"),
                FieldPanel("level_mid2"),
                FieldPanel("level"),
            ]
        ),
        FieldPanel("comment"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("phẩm chất, năng lực")
        verbose_name_plural = _("phẩm chất, năng lực")

    @property
    def kind(self) -> str:
        return programme.COMPETENCE_KIND[self.competence]


class PriorYearSource(models.TextChoices):
    PAPER = "hoc_ba_giay", _("Học bạ giấy (nhập lại)")
    SECTOR_DATABASE = "csdl_nganh", _("CSDL ngành")
    OTHER_SCHOOL = "truong_cu", _("Trường cũ chuyển đến")


class PriorYearResult(models.Model):
    """One school year of a pupil's học bạ kept before the school used this product
    (or at the school the pupil came from): imported, never signed here. The học bạ
    and the sổ đăng bộ print it beside the years recorded in the product, so a grade-5
    pupil's book holds grades 1 to 5 (Thông tư 27/2020, Phụ lục 1)."""

    pupil = models.ForeignKey(
        Pupil,
        verbose_name=_("học sinh"),
        on_delete=models.CASCADE,
        related_name="prior_results",
    )
    school_year = models.CharField(_("năm học"), max_length=9, help_text=_("Viết dạng 2022-2023."))
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    class_name = models.CharField(_("lớp"), max_length=10)
    school_name = models.CharField(_("tên trường"), max_length=200)
    entered_on = models.DateField(_("ngày nhập học / chuyển đến"), null=True, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("chiều cao (cm)"), null=True, blank=True)
    weight_kg = models.DecimalField(
        _("cân nặng (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    days_absent_excused = models.PositiveSmallIntegerField(_("số ngày nghỉ có phép"), default=0)
    days_absent_unexcused = models.PositiveSmallIntegerField(
        _("số ngày nghỉ không phép"), default=0
    )
    # [{"subject": code, "level": "T|H|C", "score": int|None, "comment": str}, …]
    subjects = models.JSONField(_("môn học và hoạt động giáo dục"), default=list, blank=True)
    # [{"competence": code, "level": "T|Đ|C", "comment": str}, …]
    competences = models.JSONField(_("phẩm chất, năng lực"), default=list, blank=True)
    year_end_result = models.CharField(
        _("kết quả giáo dục cuối năm"), max_length=4, choices=YearEndResult.choices, blank=True
    )
    commendation = models.CharField(_("khen thưởng"), max_length=300, blank=True)
    promotion = models.CharField(
        _("lên lớp / hoàn thành chương trình"), max_length=12, choices=Promotion.choices, blank=True
    )
    teacher_comment = models.TextField(_("nhận xét của giáo viên chủ nhiệm"), blank=True)
    homeroom_teacher = models.CharField(_("giáo viên chủ nhiệm"), max_length=120, blank=True)
    principal = models.CharField(_("hiệu trưởng"), max_length=120, blank=True)
    signed_on = models.DateField(_("ngày ký"), null=True, blank=True)
    source = models.CharField(
        _("nguồn"), max_length=20, choices=PriorYearSource.choices, default=PriorYearSource.PAPER
    )

    class Meta:
        ordering = ["pupil", "school_year"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "school_year"], name="one_prior_result_a_year")
        ]
        verbose_name = _("kết quả năm học trước")
        verbose_name_plural = _("kết quả năm học trước")

    def __str__(self) -> str:
        return gettext("%(pupil)s – Lớp %(class)s – %(year)s") % {
            "pupil": self.pupil.full_name,
            "class": self.class_name,
            "year": self.school_year,
        }


class SummaryPeriod(models.TextChoices):
    """The four periodic evaluations of Thông tư 27/2020 Điều 6–7. The two mid-terms
    share one official template ("giữa học kì"); "giua_ky" keeps its stored value
    and now names the first of them."""

    MIDTERM = "giua_ky", _("giữa học kì I")
    TERM1 = "cuoi_hk1", _("cuối học kì I")
    MIDTERM2 = "giua_hk2", _("giữa học kì II")
    YEAR = "cuoi_nam", _("cuối năm học")


class ClassResultSummaryPage(ClassRecordPage):
    """Bảng tổng hợp kết quả đánh giá giáo dục của lớp.

    Derived from the pupils' học bạ, never typed twice: the page holds only the
    period and notes; the table is computed from the class's StudentRecordPages.
    """

    # The học bạ's path, deadline, freeze point and retention: the class's summary is
    # signed with its pupils' books (R9), after every one of them is approved.
    rules = replace(
        StudentRecordPage.rules,
        code="class_summary",
        order=50,
        label=_("Bảng tổng hợp kết quả đánh giá giáo dục của lớp"),
        prerequisite=r.Prerequisite(
            StudentRecordPage.record_type,
            same="school_class_id",
            message=_("Còn %(count)s học bạ của lớp chưa được duyệt."),
        ),
    )

    period = models.CharField(_("thời điểm"), max_length=10, choices=SummaryPeriod.choices)
    notes = models.TextField(_("ghi chú"), blank=True)

    content_panels = [
        FieldPanel("title"),
        FieldPanel("period"),
        FieldPanel("author", read_only=True),
        FieldPanel("notes"),
    ]
    template = "recordpages/class_result_summary_page.html"

    class Meta:
        verbose_name = _("bảng tổng hợp kết quả của lớp")
        verbose_name_plural = _("bảng tổng hợp kết quả của lớp")

    def compose_title(self) -> str | None:
        if not (self.period and self.school_class_id and self.school_year_id):
            return None
        return gettext(
            "Bảng tổng hợp kết quả đánh giá giáo dục %(period)s – Lớp %(class)s – %(year)s"
        ) % {
            "period": self.get_period_display(),
            "class": self.school_class.name,
            "year": self.year_name,
        }

    @property
    def template_key(self) -> str:
        """One of the nine official templates: period × grade band."""
        # The two mid-terms share the official "giữa học kì" template.
        period = SummaryPeriod.MIDTERM if self.period == SummaryPeriod.MIDTERM2 else self.period
        return f"{period}/{programme.grade_band(self.grade or 1)}"
