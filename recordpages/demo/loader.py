"""Builds a believable Dương Kinh district for demos and tests.

Every object is looked up by a natural key before it is created, and every
random choice comes from a generator seeded by that key, so running the loader
twice leaves the same data.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from wagtail.models import Page, Site

from recordpages import programme
from recordpages.demo.authorities import add_authority_terms
from recordpages.demo.dates import school_year_for, summary_period
from recordpages.demo.history import add_portraits, add_prior_years
from recordpages.demo.names import OCCUPATIONS, full_name, parent_names
from recordpages.demo.records import RecordBuilders
from recordpages.models import (
    AuthorityKind,
    AuthorityPage,
    ClassEnrollment,
    ClassPage,
    ClassResultSummaryPage,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Pupil,
    RoleCode,
    School,
    SchoolClass,
    SchoolPage,
    SchoolPlanPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
    StudentRecordPage,
)
from recordpages.services import staff_access_sync
from recordpages.text import vn_slugify

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "Demo@2026hoso"


def _codes(*page_classes) -> list[str]:
    """A vice-principal's assigned record types (Đ6), by their page classes."""
    return [page_class.record_type for page_class in page_classes]


AUTHORITY_SLUG = "phong-gd-duong-kinh"

SCHOOLS = [
    ("THHN", "Trường Tiểu học Hòa Nghĩa", "Phường Hòa Nghĩa, quận Dương Kinh, Hải Phòng"),
    ("THAD", "Trường Tiểu học Anh Dũng", "Phường Anh Dũng, quận Dương Kinh, Hải Phòng"),
    ("THHT", "Trường Tiểu học Hải Thành", "Phường Hải Thành, quận Dương Kinh, Hải Phòng"),
    ("THHD", "Trường Tiểu học Hưng Đạo", "Phường Hưng Đạo, quận Dương Kinh, Hải Phòng"),
]
GROUPS = [("Tổ 1", "1"), ("Tổ 2", "2"), ("Tổ 3", "3"), ("Tổ 4", "4"), ("Tổ 5", "5")]
SPECIALISTS = [
    ("ngoai_ngu_1", "Giáo viên Tiếng Anh"),
    ("tin_hoc_cong_nghe", "Giáo viên Tin học"),
    ("am_nhac", "Giáo viên Âm nhạc"),
    ("mi_thuat", "Giáo viên Mĩ thuật"),
    ("giao_duc_the_chat", "Giáo viên Giáo dục thể chất"),
]

# The accounts listed in the README: one per role.
DEMO_ACCOUNTS = [
    ("phong.gd", "Phòng GD&ĐT (cán bộ phụ trách bậc tiểu học)"),
    ("thanh.tra", "Thanh tra"),
    ("hn.hieutruong", "Hiệu trưởng, Trường TH Hòa Nghĩa"),
    ("hn.phohieutruong", "Phó hiệu trưởng (chuyên môn), Trường TH Hòa Nghĩa"),
    ("hn.totruong1", "Tổ trưởng Tổ 1, Trường TH Hòa Nghĩa"),
    ("hn.giaovien", "Giáo viên chủ nhiệm lớp 1B, Trường TH Hòa Nghĩa"),
    ("hn.vanthu", "Nhân viên văn thư, Trường TH Hòa Nghĩa"),
    ("hn.ketoan", "Nhân viên kế toán, Trường TH Hòa Nghĩa"),
    ("hn.quantri", "Cán bộ quản trị hệ thống, Trường TH Hòa Nghĩa"),
    ("hn.luutru", "Văn phòng nhà trường (lưu trữ), Trường TH Hòa Nghĩa"),
    ("ad.hieutruong", "Hiệu trưởng, Trường TH Anh Dũng"),
    ("admin", "Quản trị toàn hệ thống (superuser)"),
]

Progress = Callable[[str], None]


@dataclass
class Options:
    today: dt.date
    schools: int = 4
    min_pupils: int = 25
    max_pupils: int = 35
    # The schools other than the main one (Hòa Nghĩa), whose accounts the README gives,
    # may be smaller: pupils per class, weeks of lesson plans (issue #18: `make run`).
    pupils_elsewhere: tuple[int, int] | None = None
    lesson_weeks_elsewhere: int | None = None
    lesson_weeks: int = 4
    grades: tuple[int, ...] = (1, 2, 3, 4, 5)
    classes_per_grade: tuple[int, int] = (2, 3)
    bulk_index: bool = True
    progress: Progress = field(default=lambda message: None)


class DemoLoader(RecordBuilders):
    def __init__(self, options: Options):
        self.o = options
        self.password_hash = make_password(DEMO_PASSWORD)
        self.User = get_user_model()
        self.staff_to_sync: list[StaffProfile] = []

    # --- helpers --------------------------------------------------------------

    def person(self, school_code: str, username: str, sex: str | None = None) -> str:
        rng = self.rng(school_code, username)
        return full_name(rng, sex or rng.choice(["nu", "nu", "nam"]))

    def user(self, username: str, name: str, *, email_domain: str = "duongkinh.edu.vn"):
        last, first = name.rsplit(" ", 1)
        user, _ = self.User.objects.get_or_create(
            username=username,
            defaults={
                "password": self.password_hash,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{email_domain}",
            },
        )
        return user

    def staff(self, username: str, name: str, roles: list[str], **fields) -> StaffProfile:
        user = self.user(username, name)
        profile, created = StaffProfile.objects.get_or_create(
            user=user, defaults={"full_name": name, **fields}
        )
        if created:
            profile.roles.set(roles)
            profile.save()
        self.staff_to_sync.append(profile)
        return profile

    # --- the district ---------------------------------------------------------

    @transaction.atomic
    def run(self) -> AuthorityPage:
        year = self.school_year()
        authority = self.authority()
        self.staff(
            "phong.gd",
            "Trần Thị Thu Hà",
            [RoleCode.DISTRICT_OFFICE],
            authority=authority,
            position="Chuyên viên phụ trách giáo dục tiểu học",
        )
        self.staff(
            "thanh.tra",
            "Phạm Văn Khải",
            [RoleCode.INSPECTOR],
            authority=authority,
            position="Thanh tra viên",
        )
        admin = self.user("admin", "Quản trị Hệ thống")
        if not admin.is_superuser:
            admin.is_superuser = True
            admin.is_staff = True
            admin.save()
        for index, (code, name, address) in enumerate(SCHOOLS[: self.o.schools], start=1):
            self.o.progress(f"{name} ({index}/{self.o.schools})")
            self.school(index, code, name, address, authority, year)
        for profile in self.staff_to_sync:
            staff_access_sync(staff=profile)
        return authority

    def school_year(self) -> SchoolYear:
        name = school_year_for(self.o.today)
        year, _ = SchoolYear.objects.get_or_create(
            name=name, defaults=SchoolYear.defaults_for(int(name[:4]))
        )
        return year

    def authority(self) -> AuthorityPage:
        root = Page.get_first_root_node()
        authority = self.child(
            root,
            AuthorityPage(
                title="Phòng Giáo dục và Đào tạo quận Dương Kinh",
                kind=AuthorityKind.DISTRICT_OFFICE,
                issuing_body="UBND QUẬN DƯƠNG KINH",
                place_name="Dương Kinh",
                intro=(
                    "<p>Cổng công khai kế hoạch giáo dục của các trường tiểu học trên địa "
                    "bàn quận Dương Kinh, thành phố Hải Phòng.</p>"
                ),
            ),
            AUTHORITY_SLUG,
        )
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=authority,
                is_default_site=True,
                site_name="Hồ sơ chuyên môn điện tử",
            )
        elif site.root_page_id != authority.pk:
            old_root = site.root_page
            site.root_page = authority
            site.site_name = "Hồ sơ chuyên môn điện tử"
            site.save()
            if type(old_root.specific) is Page and old_root.slug == "home":
                old_root.delete()  # Wagtail's welcome page
        return authority

    def school(self, index, code, name, address, authority, year) -> None:
        rng = self.rng(code, year.name)
        school, _ = School.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "address": address,
                "ministry_code": f"3120{index:04d}",
                "place_name": "Dương Kinh",
                "phone": f"0225.38{index}{rng.randint(1000, 9999)}",
                "email": f"c1{code.lower()}@haiphong.edu.vn",
            },
        )
        # Who is above the school, year by year: the district office until 2024-2025,
        # the ward's People's Committee from 2025-2026 (the 1 July 2025 reform).
        add_authority_terms(school)
        school_page = self.child(
            authority,
            SchoolPage(school=school, title=name),
            vn_slugify(name.replace("Trường ", "")),
        )
        year_page = self.child(
            school_page, SchoolYearPage(school_year=year, school=school), f"nam-hoc-{year.name}"
        )
        prefix = code[2:].lower()
        is_main = code == "THHN"
        class_size = (self.o.min_pupils, self.o.max_pupils)
        lesson_weeks = self.o.lesson_weeks
        if not is_main:
            class_size = self.o.pupils_elsewhere or class_size
            lesson_weeks = self.o.lesson_weeks_elsewhere or lesson_weeks
        self.staff(
            f"{prefix}.hieutruong",
            self.person(code, "hieutruong", "nu"),
            [RoleCode.PRINCIPAL],
            school=school,
            position="Hiệu trưởng",
        )
        vp = self.staff(
            f"{prefix}.phohieutruong",
            self.person(code, "phohieutruong", "nu"),
            [RoleCode.VICE_PRINCIPAL],
            school=school,
            position="Phó hiệu trưởng",
            assigned_categories=_codes(
                LessonPlanPage, GroupTeachingPlanPage, StudentRecordPage, ClassResultSummaryPage
            ),
        )
        self.staff(
            f"{prefix}.phohieutruong2",
            self.person(code, "phohieutruong2", "nam"),
            [RoleCode.VICE_PRINCIPAL],
            school=school,
            position="Phó hiệu trưởng",
            assigned_categories=_codes(OtherRecordPage, EnrollmentRegisterPage, SchoolPlanPage),
        )
        clerk = self.staff(
            f"{prefix}.vanthu",
            self.person(code, "vanthu", "nu"),
            [RoleCode.CLERK],
            school=school,
            position="Nhân viên văn thư",
        )
        self.staff(
            f"{prefix}.ketoan",
            self.person(code, "ketoan", "nu"),
            [RoleCode.ACCOUNTANT],
            school=school,
            position="Nhân viên kế toán",
        )
        self.staff(
            f"{prefix}.luutru",
            self.person(code, "luutru", "nu"),
            [RoleCode.ARCHIVIST],
            school=school,
            position="Nhân viên thư viện – thiết bị, phụ trách lưu trữ",
        )
        specialists = []
        for n, (subject, position) in enumerate(SPECIALISTS, start=1):
            roles = [RoleCode.TEACHER] + (
                [RoleCode.SYSADMIN] if subject == "tin_hoc_cong_nghe" else []
            )
            username = (
                f"{prefix}.quantri" if subject == "tin_hoc_cong_nghe" else f"{prefix}.gvbm{n}"
            )
            specialists.append(
                self.staff(
                    username,
                    self.person(code, username),
                    roles,
                    school=school,
                    position=position,
                    subjects_taught=programme.SUBJECTS_BY_CODE[subject].name,
                )
            )

        # The vice-principal drafts the plan; the principal approves it (nobody approves their own).
        self.school_plan(year_page, school, year, vp, rng)
        pupil_seq = 0
        register_pupils: dict[int, list[tuple[Pupil, str]]] = {}
        for grade, (group_name, grades) in enumerate(GROUPS, start=1):
            if grade not in self.o.grades:
                continue
            classes_in_grade = self.rng(code, year.name, grade).randint(*self.o.classes_per_grade)
            group, _ = ProfessionalGroup.objects.get_or_create(
                school=school, school_year=year, name=group_name, defaults={"grades": grades}
            )
            group_page = self.child(
                year_page, ProfessionalGroupPage(group=group), vn_slugify(group_name)
            )
            teachers = []
            for letter in "ABC"[:classes_in_grade]:
                class_name = f"{grade}{letter}"
                is_leader = letter == "A"
                username = (
                    f"{prefix}.totruong{grade}"
                    if is_leader
                    else (
                        "hn.giaovien"
                        if (is_main and class_name == "1B")
                        else f"{prefix}.gv{class_name.lower()}"
                    )
                )
                roles = [RoleCode.TEACHER] + ([RoleCode.GROUP_LEADER] if is_leader else [])
                teacher = self.staff(
                    username,
                    self.person(code, username),
                    roles,
                    school=school,
                    position="Giáo viên dạy lớp",
                    subjects_taught="Tiếng Việt, Toán",
                )
                teachers.append(teacher)
                school_class, _ = SchoolClass.objects.get_or_create(
                    school=school,
                    school_year=year,
                    name=class_name,
                    defaults={"grade": grade, "homeroom_teacher": teacher, "group": group},
                )
                class_page = self.child(
                    year_page, ClassPage(school_class=school_class), f"lop-{class_name.lower()}"
                )
                pupils = []
                size = self.rng(code, year.name, class_name).randint(*class_size)
                for number in range(1, size + 1):
                    pupil_seq += 1
                    pupil = self.pupil(school, index, year, grade, class_name, pupil_seq)
                    ClassEnrollment.objects.get_or_create(
                        school_class=school_class, pupil=pupil, defaults={"number": number}
                    )
                    pupils.append(pupil)
                    register_pupils.setdefault(grade, []).append((pupil, class_name))
                self.student_records(class_page, school_class, teacher, pupils)
                period = summary_period(self.o.today)
                self.child(
                    class_page,
                    ClassResultSummaryPage(period=period, author=teacher),
                    f"tong-hop-{period.replace('_', '-')}",
                    live=False,
                )
            if not group.leader_id:
                group.leader = teachers[0]
                group.save()
                group.members.set(teachers + ([specialists[grade - 1]]))
                group.save()
            self.group_plans(group_page, grade, teachers[0], rng)
            self.lesson_plans(group_page, year, teachers, grade, rng, weeks=lesson_weeks)
        # The years before this one, as imported from the paper học bạ, and the grade-1
        # photos: the học bạ prints grades 1 to 5, the register its portraits (issue 16).
        add_prior_years(school, year, register_pupils, rng)
        add_portraits(pupil for entries in register_pupils.values() for pupil, _ in entries)
        for grade, entries in register_pupils.items():
            self.register(year_page, school, year, grade, entries, clerk)
        self.other_records(year_page, year, vp, rng)

    def pupil(self, school, school_index, year, grade, class_name, seq) -> Pupil:
        ministry_id = f"31{school_index:02d}{year.first_year % 100:02d}{seq:04d}"
        existing = Pupil.objects.filter(ministry_id=ministry_id).first()
        if existing:
            return existing
        rng = self.rng(ministry_id)
        sex = rng.choice(["nam", "nu"])
        name = full_name(rng, sex)
        if school.code == "THHN" and seq == 7:
            name, sex = "Nguyễn Thị Ngọc Ánh", "nu"  # stacked diacritics, used by print tests
        father, mother = parent_names(rng, name.split(" ")[0])
        birth_year = year.first_year - 5 - grade
        cohort_start = year.first_year - (grade - 1)
        ward = school.address.split(",")[0]
        return Pupil.objects.create(
            school=school,
            ministry_id=ministry_id,
            register_number=f"{seq:03d}/{cohort_start}",
            full_name=name,
            sex=sex,
            date_of_birth=dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28)),
            place_of_birth=rng.choice(["Hải Phòng", "Hải Phòng", "Hải Dương", "Thái Bình"]),
            hometown=rng.choice(["Hải Phòng", "Thái Bình", "Nam Định", "Hải Dương"]),
            address=f"Tổ dân phố {rng.randint(1, 15)}, {ward}, quận Dương Kinh, Hải Phòng",
            father_name=father,
            father_occupation=rng.choice(OCCUPATIONS),
            mother_name=mother,
            mother_occupation=rng.choice(OCCUPATIONS),
            entry_date=dt.date(cohort_start, 9, 5),
        )


def load_demo_district(options: Options) -> AuthorityPage:
    """Load the district with per-object index tasks deferred, then index in bulk:
    one pass over all objects is several times faster than one task per save."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        authority = DemoLoader(options).run()
    if options.bulk_index:
        index_in_bulk(options.progress)
    return authority


def index_in_bulk(progress: Progress) -> None:
    """Wagtail's search and reference indexes of every page, in one pass each."""
    progress("Cập nhật chỉ mục tìm kiếm")
    call_command("update_index", stdout=io.StringIO())
    progress("Cập nhật chỉ mục tham chiếu")
    call_command("rebuild_references_index", stdout=io.StringIO())
