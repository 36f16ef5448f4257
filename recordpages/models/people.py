"""People and reference data: schools, school years, staff and their roles,
professional groups, classes and pupils. Ordinary models (snippets), not pages:
they drive permissions, so they must never live in a draft revision."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.search import index

from recordpages.names import clean_person_name
from recordpages.text import collapse_spaces, normalize_text


def _clean_name(value: str) -> str:
    try:
        return clean_person_name(value)
    except ValidationError as error:
        raise ValidationError({"full_name": error.messages}) from error


class RoleCode(models.TextChoices):
    DISTRICT_OFFICE = "district_office", _("Cán bộ Phòng GD&ĐT / cơ quan quản lý")
    INSPECTOR = "inspector", _("Thanh tra")
    PRINCIPAL = "principal", _("Hiệu trưởng")
    VICE_PRINCIPAL = "vice_principal", _("Phó hiệu trưởng")
    GROUP_LEADER = "group_leader", _("Tổ trưởng chuyên môn")
    TEACHER = "teacher", _("Giáo viên")
    CLERK = "clerk", _("Nhân viên văn thư")
    ACCOUNTANT = "accountant", _("Nhân viên kế toán")
    SYSADMIN = "sysadmin", _("Cán bộ quản trị hệ thống")
    ARCHIVIST = "archivist", _("Văn phòng nhà trường (lưu trữ)")


AUTHORITY_ROLES = frozenset({RoleCode.DISTRICT_OFFICE, RoleCode.INSPECTOR})
READ_ONLY_ROLES = AUTHORITY_ROLES


class Sex(models.TextChoices):
    MALE = "nam", _("Nam")
    FEMALE = "nu", _("Nữ")


digits_10 = RegexValidator(r"^\d{10}$", _("Mã định danh gồm đúng 10 chữ số."))
digits_10_or_12 = RegexValidator(r"^(\d{10}|\d{12})$", _("Mã định danh gồm 10 hoặc 12 chữ số."))
school_year_name = RegexValidator(r"^\d{4}-\d{4}$", _("Năm học viết dạng 2024-2025."))


class Role(models.Model):
    """A role of the regulation (Chương II). Rows come from a data migration."""

    code = models.CharField(max_length=32, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(_("tên vai trò"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")

    def __str__(self) -> str:
        return self.name


class SchoolYear(models.Model):
    name = models.CharField(_("năm học"), max_length=9, unique=True, validators=[school_year_name])
    start_date = models.DateField(_("ngày bắt đầu"))
    end_date = models.DateField(_("ngày kết thúc"))

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("năm học")
        verbose_name_plural = _("năm học")

    def __str__(self) -> str:
        return self.name

    @property
    def first_year(self) -> int:
        return int(self.name[:4])

    def clean(self) -> None:
        if self.name and not self.errors_in_name():
            first, second = (int(part) for part in self.name.split("-"))
            if second != first + 1:
                raise ValidationError({"name": _("Năm sau phải lớn hơn năm trước đúng 1.")})
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("Ngày kết thúc phải sau ngày bắt đầu.")})

    def errors_in_name(self) -> bool:
        try:
            school_year_name(self.name)
        except ValidationError:
            return True
        return False

    @classmethod
    def defaults_for(cls, first_year: int) -> dict:
        return {
            "start_date": dt.date(first_year, 9, 5),
            "end_date": dt.date(first_year + 1, 5, 31),
        }


class School(index.Indexed, models.Model):
    code = models.CharField(
        _("mã trường"),
        max_length=20,
        unique=True,
        help_text=_("Mã viết tắt dùng trong số văn bản, ví dụ THHN."),
    )
    ministry_code = models.CharField(_("mã trường trên CSDL ngành"), max_length=20, blank=True)
    name = models.CharField(_("tên trường"), max_length=200)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    place_name = models.CharField(
        _("địa danh ghi trên văn bản"),
        max_length=100,
        help_text=_('Dùng trong dòng "<địa danh>, ngày … tháng … năm …".'),
    )

    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("trường học")
        verbose_name_plural = _("trường học")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = normalize_text(collapse_spaces(self.name))
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class StaffProfile(index.Indexed, ClusterableModel):
    """One person's account in the system. Accounts are personal (Đ7.3)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    school = models.ForeignKey(
        School,
        verbose_name=_("trường"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Để trống với cán bộ Phòng/Sở và thanh tra."),
    )
    authority = models.ForeignKey(
        "recordpages.AuthorityPage",
        verbose_name=_("cơ quan quản lý"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Với cán bộ Phòng/Sở và thanh tra: phạm vi các trường được xem."),
    )
    full_name = models.CharField(_("họ và tên"), max_length=120)
    staff_code = models.CharField(_("mã cán bộ"), max_length=30, blank=True)
    ministry_id = models.CharField(
        _("mã định danh Bộ GD&ĐT"), max_length=12, blank=True, validators=[digits_10_or_12]
    )
    date_of_birth = models.DateField(_("ngày sinh"), null=True, blank=True)
    sex = models.CharField(_("giới tính"), max_length=3, choices=Sex.choices, blank=True)
    position = models.CharField(_("vị trí việc làm"), max_length=120, blank=True)
    subjects_taught = models.CharField(_("môn dạy"), max_length=200, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    roles = ParentalManyToManyField(Role, verbose_name=_("vai trò"), related_name="staff")
    assigned_categories = models.JSONField(
        _("loại hồ sơ được phân công"),
        default=list,
        blank=True,
        help_text=_("Với phó hiệu trưởng: các loại hồ sơ được phân công duyệt (Đ6)."),
    )

    search_fields = [
        index.SearchField("full_name"),
        index.AutocompleteField("full_name"),
        index.FilterField("school"),
    ]

    class Meta:
        ordering = ["school__name", "full_name"]
        verbose_name = _("cán bộ, giáo viên, nhân viên")
        verbose_name_plural = _("cán bộ, giáo viên, nhân viên")

    def __str__(self) -> str:
        return self.full_name

    @property
    def role_codes(self) -> frozenset[str]:
        cached = getattr(self, "_role_codes", None)
        if cached is None:
            cached = frozenset(role.code for role in self.roles.all())
            self._role_codes = cached
        return cached

    def has_role(self, code: str) -> bool:
        return code in self.role_codes

    def clean(self) -> None:
        self.full_name = _clean_name(self.full_name)
        if self.school_id and self.authority_id:
            raise ValidationError(
                _("Một tài khoản thuộc một trường hoặc một cơ quan quản lý, không cả hai.")
            )


class ProfessionalGroup(ClusterableModel):
    """Tổ chuyên môn of one school in one school year (members and leader)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="groups")
    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("tên tổ"), max_length=100, help_text=_("Ví dụ: Tổ 1, Tổ 4-5."))
    grades = models.CharField(_("khối lớp phụ trách"), max_length=20, blank=True)
    leader = models.ForeignKey(
        StaffProfile,
        verbose_name=_("tổ trưởng"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_groups",
    )
    members = ParentalManyToManyField(
        StaffProfile, verbose_name=_("thành viên"), related_name="groups", blank=True
    )

    class Meta:
        ordering = ["school__name", "-school_year__start_date", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="unique_group_per_school_year"
            )
        ]
        verbose_name = _("tổ chuyên môn")
        verbose_name_plural = _("tổ chuyên môn")

    def __str__(self) -> str:
        return f"{self.name} – {self.school_year}"

    def clean(self) -> None:
        if self.leader_id and self.school_id and self.leader.school_id != self.school_id:
            raise ValidationError({"leader": _("Tổ trưởng phải là cán bộ của trường này.")})


class Pupil(index.Indexed, models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("trường"), on_delete=models.PROTECT, related_name="pupils"
    )
    ministry_id = models.CharField(
        _("mã học sinh (mã định danh Bộ GD&ĐT)"),
        max_length=10,
        unique=True,
        null=True,
        blank=True,
        validators=[digits_10],
        help_text=_("10 chữ số, giữ nguyên số 0 ở đầu."),
    )
    register_number = models.CharField(_("số đăng bộ"), max_length=20, blank=True)
    full_name = models.CharField(_("họ và tên"), max_length=120)
    date_of_birth = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=3, choices=Sex.choices)
    ethnicity = models.CharField(_("dân tộc"), max_length=50, default="Kinh")
    nationality = models.CharField(_("quốc tịch"), max_length=50, default="Việt Nam")
    place_of_birth = models.CharField(_("nơi sinh"), max_length=200, blank=True)
    hometown = models.CharField(_("quê quán"), max_length=200, blank=True)
    address = models.CharField(_("nơi ở hiện nay"), max_length=255, blank=True)
    father_name = models.CharField(_("họ tên cha"), max_length=120, blank=True)
    father_occupation = models.CharField(_("nghề nghiệp của cha"), max_length=120, blank=True)
    mother_name = models.CharField(_("họ tên mẹ"), max_length=120, blank=True)
    mother_occupation = models.CharField(_("nghề nghiệp của mẹ"), max_length=120, blank=True)
    guardian_name = models.CharField(_("người giám hộ"), max_length=120, blank=True)
    entry_date = models.DateField(_("ngày nhập học"), null=True, blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("ảnh (lớp 1)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    search_fields = [
        index.SearchField("full_name"),
        index.AutocompleteField("full_name"),
        index.SearchField("ministry_id"),
        index.FilterField("school"),
    ]

    class Meta:
        ordering = ["school__name", "full_name"]
        verbose_name = _("học sinh")
        verbose_name_plural = _("học sinh")

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        self.full_name = _clean_name(self.full_name)
        if self.date_of_birth and self.date_of_birth > dt.date.today():
            raise ValidationError({"date_of_birth": _("Ngày sinh không thể ở tương lai.")})


class SchoolClass(ClusterableModel):
    school = models.ForeignKey(
        School, verbose_name=_("trường"), on_delete=models.CASCADE, related_name="classes"
    )
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("năm học"), on_delete=models.PROTECT, related_name="classes"
    )
    name = models.CharField(_("tên lớp"), max_length=10, help_text=_("Ví dụ: 1A, 4B."))
    grade = models.PositiveSmallIntegerField(
        _("khối"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    homeroom_teacher = models.ForeignKey(
        StaffProfile,
        verbose_name=_("giáo viên chủ nhiệm"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="homeroom_classes",
    )
    group = models.ForeignKey(
        ProfessionalGroup,
        verbose_name=_("tổ chuyên môn"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="classes",
    )
    pupils = models.ManyToManyField(
        Pupil, through="ClassEnrollment", related_name="classes", blank=True
    )

    class Meta:
        ordering = ["school__name", "-school_year__start_date", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"], name="unique_class_per_school_year"
            )
        ]
        verbose_name = _("lớp học")
        verbose_name_plural = _("lớp học")

    def __str__(self) -> str:
        return gettext("Lớp %(class)s – %(year)s") % {"class": self.name, "year": self.school_year}

    def clean(self) -> None:
        self.name = (self.name or "").strip().upper()
        if self.name and self.grade and not self.name.startswith(str(self.grade)):
            raise ValidationError({"name": _("Tên lớp phải bắt đầu bằng số khối.")})


class ClassEnrollment(models.Model):
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="enrollments"
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="enrollments")
    number = models.PositiveSmallIntegerField(_("số thứ tự"), default=0)
    promoted = models.BooleanField(_("được lên lớp"), null=True, blank=True)
    left_on = models.DateField(_("ngày chuyển đi / thôi học"), null=True, blank=True)
    left_reason = models.CharField(_("lí do"), max_length=200, blank=True)

    class Meta:
        ordering = ["school_class", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "pupil"], name="unique_pupil_in_class")
        ]
        verbose_name = _("học sinh của lớp")
        verbose_name_plural = _("học sinh của lớp")

    def __str__(self) -> str:
        return f"{self.number}. {self.pupil}"


class ManagedGroup(models.Model):
    """Marks the Django groups this app derives from roles, per school or authority,
    so that syncing an account never touches groups an administrator made by hand."""

    group = models.OneToOneField("auth.Group", on_delete=models.CASCADE, related_name="managed")
    role = models.ForeignKey(Role, on_delete=models.CASCADE)
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True)
    authority = models.ForeignKey(
        "recordpages.AuthorityPage", on_delete=models.CASCADE, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["role", "school"], name="unique_role_school_group"),
            models.UniqueConstraint(
                fields=["role", "authority"], name="unique_role_authority_group"
            ),
        ]

    def __str__(self) -> str:
        return self.group.name
