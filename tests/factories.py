"""factory_boy factories: the few objects a unit test needs, built the way the product
builds them.

Pages are added under their real parent (`parent.add_child`), so the tree fields
(school, year, group, class) are derived by the models, and the record's state row
is created by `workflow.services.record_state_sync` through the post_save signal,
never written here. Staff get their roles and then `staff_access_sync`, as the
admin screens do. `school_world()` builds one school with the demo district's
usernames (hn.hieutruong, hn.giaovien, ...) and one record of each type, for the
tests that used to load the whole district for a handful of objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test.utils import override_settings
from wagtail.models import Page, Site

from recordpages import programme
from recordpages.models import (
    AuthorityKind,
    AuthorityPage,
    ClassEnrollment,
    ClassPage,
    ClassResultSummaryPage,
    CompetenceResult,
    EnrollmentRegisterPage,
    GroupTeachingPlanPage,
    LessonPlanPage,
    OtherRecordPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    Pupil,
    RegisterEntry,
    RoleCode,
    School,
    SchoolClass,
    SchoolPage,
    SchoolPlanPage,
    SchoolYear,
    SchoolYearPage,
    StaffProfile,
    StudentRecordPage,
    SubjectResult,
)
from recordpages.services import staff_access_sync

PASSWORD = "Demo@2026hoso"  # the demo loader's, so tests that log in by form still can
DEFAULT_TODAY = dt.date(2026, 11, 25)  # the date tests/conftest.py gives the district


def _year_name(today: dt.date) -> str:
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}-{first + 1}"


# --- reference data and people ------------------------------------------------------


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("name",)

    name = _year_name(DEFAULT_TODAY)
    start_date = factory.LazyAttribute(
        lambda o: SchoolYear.defaults_for(int(o.name[:4]))["start_date"]
    )
    end_date = factory.LazyAttribute(lambda o: SchoolYear.defaults_for(int(o.name[:4]))["end_date"])


class _ChildPageFactory(wagtail_factories.PageFactory):
    """A page added under `parent`, with the parent cached as the demo loader does, so
    that the model derives its tree fields without reading the parent back."""

    class Meta:
        abstract = True

    @classmethod
    def _create_instance(cls, model_class, parent, kwargs):
        instance = model_class(**kwargs)
        instance._cached_parent_obj = parent
        parent.add_child(instance=instance)
        return instance


class AuthorityPageFactory(_ChildPageFactory):
    """The district office's page under the tree root, made the default site's root."""

    class Meta:
        model = AuthorityPage
        django_get_or_create = ("slug", "parent")
        skip_postgeneration_save = True

    parent = factory.LazyFunction(Page.get_first_root_node)
    title = "Phòng Giáo dục và Đào tạo quận Dương Kinh"
    slug = "phong-gd-duong-kinh"
    kind = AuthorityKind.DISTRICT_OFFICE
    issuing_body = "UBND QUẬN DƯƠNG KINH"
    place_name = "Dương Kinh"

    @factory.post_generation
    def default_site(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or extracted is False:
            return
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=obj, is_default_site=True)
        elif site.root_page_id != obj.pk:
            site.root_page = obj
            site.save()


class SchoolFactory(factory.django.DjangoModelFactory):
    """A school with its page under `authority` and its page for `year`."""

    class Meta:
        model = School
        django_get_or_create = ("code",)

    authority = factory.SubFactory(AuthorityPageFactory)
    year = factory.SubFactory(SchoolYearFactory)
    code = factory.Sequence(lambda n: f"TH{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Trường Tiểu học {o.code}")
    address = "Phường Hòa Nghĩa, quận Dương Kinh, Hải Phòng"
    place_name = "Dương Kinh"

    @classmethod
    def _create(cls, model_class, *args, authority=None, year=None, **kwargs):
        school = super()._create(model_class, *args, **kwargs)
        school_page = SchoolPage.objects.filter(school=school).first()
        if school_page is None:
            school_page = SchoolPageFactory(parent=authority, school=school, title=school.name)
        if not SchoolYearPage.objects.filter(school=school, school_year=year).exists():
            SchoolYearPageFactory(parent=school_page, school_year=year)
        return school


class SchoolPageFactory(_ChildPageFactory):
    class Meta:
        model = SchoolPage

    title = "Trường Tiểu học"
    slug = factory.LazyAttribute(lambda o: f"truong-{o.school.code.lower()}")
    live = True


class SchoolYearPageFactory(_ChildPageFactory):
    class Meta:
        model = SchoolYearPage

    title = factory.LazyAttribute(lambda o: f"Năm học {o.school_year.name}")
    slug = factory.LazyAttribute(lambda o: f"nam-hoc-{o.school_year.name}")
    live = True


def year_page_of(school: School, year: SchoolYear) -> SchoolYearPage:
    return SchoolYearPage.objects.get(school=school, school_year=year)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Lan"
    last_name = "Nguyễn Thị"
    email = factory.LazyAttribute(lambda o: f"{o.username}@duongkinh.edu.vn")
    password = factory.django.Password(PASSWORD)


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff member with `roles` (RoleCode values), synced into the managed groups the
    roles call for, as saving the profile in the admin does."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    full_name = factory.LazyAttribute(lambda o: f"{o.user.last_name} {o.user.first_name}")
    position = "Giáo viên dạy lớp"

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):  # noqa: N805
        if not create:
            return
        obj.roles.set(extracted or [RoleCode.TEACHER])
        obj.save()
        staff_access_sync(staff=obj)


class ProfessionalGroupFactory(factory.django.DjangoModelFactory):
    """A group (tổ chuyên môn) with its page under the school's year page."""

    class Meta:
        model = ProfessionalGroup
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    name = "Tổ 1"
    grades = "1"

    @factory.post_generation
    def page(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            ProfessionalGroupPageFactory(
                parent=year_page_of(obj.school, obj.school_year),
                group=obj,
                slug=f"to-{obj.pk}",
            )


class ProfessionalGroupPageFactory(_ChildPageFactory):
    class Meta:
        model = ProfessionalGroupPage

    title = factory.LazyAttribute(lambda o: o.group.name)
    live = True


class SchoolClassFactory(factory.django.DjangoModelFactory):
    """A class with its page under the school's year page."""

    class Meta:
        model = SchoolClass
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    school_year = factory.SubFactory(SchoolYearFactory)
    name = "1A"
    grade = factory.LazyAttribute(lambda o: int(o.name[0]))

    @factory.post_generation
    def page(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            ClassPageFactory(
                parent=year_page_of(obj.school, obj.school_year),
                school_class=obj,
                slug=f"lop-{obj.name.lower()}",
            )


class ClassPageFactory(_ChildPageFactory):
    class Meta:
        model = ClassPage

    title = factory.LazyAttribute(lambda o: f"Lớp {o.school_class.name}")
    live = True


class PupilFactory(factory.django.DjangoModelFactory):
    """A pupil; with `school_class=` also enrolled in it (next number)."""

    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory)
    ministry_id = factory.Sequence(lambda n: f"31{n:08d}")
    register_number = factory.Sequence(lambda n: f"{n:03d}/2026")
    # Names with stacked diacritics, which searches and PDFs must keep.
    full_name = factory.Iterator(
        ["Trần Minh Khôi", "Nguyễn Thị Ngọc Ánh", "Lê Hoàng Phương", "Phạm Đức Thắng"]
    )
    date_of_birth = dt.date(2019, 3, 14)
    sex = "nam"
    entry_date = dt.date(2026, 9, 5)

    @factory.post_generation
    def school_class(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted is not None:
            number = ClassEnrollment.objects.filter(school_class=extracted).count() + 1
            ClassEnrollment.objects.create(school_class=extracted, pupil=obj, number=number)


# --- records: each under its real parent; the state row comes from the signal ------


def _section(text: str = "Nâng cao năng lực chuyên môn cho giáo viên.") -> list[dict]:
    return [
        {"type": "section", "value": {"heading": "Mục đích, yêu cầu", "body": f"<p>{text}</p>"}}
    ]


class _RecordFactory(_ChildPageFactory):
    class Meta:
        abstract = True

    title = ""  # composed by the record type's title scheme
    slug = factory.Sequence(lambda n: f"ho-so-{n}")
    live = False
    has_unpublished_changes = True
    owner = factory.LazyAttribute(lambda o: o.author.user if o.author else None)
    author = None


class SchoolPlanFactory(_RecordFactory):
    class Meta:
        model = SchoolPlanPage

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    slug = "ke-hoach-giao-duc"
    legal_basis = "<p>Căn cứ Thông tư 32/2018/TT-BGDĐT.</p>"
    conditions = "<p>Trường có 13 lớp, 28 cán bộ, giáo viên, nhân viên.</p>"
    objectives = "<p>Thực hiện Chương trình giáo dục phổ thông 2018.</p>"
    organisation = "<p>Dạy học 2 buổi/ngày.</p>"
    solutions = "<p>Đổi mới sinh hoạt chuyên môn theo nghiên cứu bài học.</p>"
    implementation = "<p>Các tổ chuyên môn xây dựng kế hoạch dạy học.</p>"


class EnrollmentRegisterFactory(_RecordFactory):
    """A sổ đăng bộ; `pupils=[...]` adds one entry per pupil."""

    class Meta:
        model = EnrollmentRegisterPage
        skip_postgeneration_save = True

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    cohort = "2026-2031"
    slug = factory.LazyAttribute(lambda o: f"so-dang-bo-khoa-{o.cohort}")

    @factory.post_generation
    def pupils(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            RegisterEntry.objects.bulk_create(
                RegisterEntry(
                    page=obj,
                    sort_order=n,
                    pupil=pupil,
                    register_number=pupil.register_number or f"{n + 1:03d}",
                    entry_date=pupil.entry_date or dt.date(2026, 9, 5),
                    entry_class="1A",
                )
                for n, pupil in enumerate(extracted)
            )


class OtherRecordFactory(_RecordFactory):
    class Meta:
        model = OtherRecordPage

    class Params:
        school = None
        year = factory.SubFactory(SchoolYearFactory)

    parent = factory.LazyAttribute(lambda o: year_page_of(o.school, o.year))
    title = "Kế hoạch bồi dưỡng thường xuyên"
    category = "Kế hoạch bồi dưỡng thường xuyên"
    deadline = factory.LazyAttribute(lambda o: dt.date(o.year.first_year, 10, 15))
    body = factory.LazyFunction(_section)


class GroupPlanFactory(_RecordFactory):
    class Meta:
        model = GroupTeachingPlanPage

    class Params:
        group = None

    parent = factory.LazyAttribute(lambda o: o.group.page)
    subject = "toan"
    grade = 1
    author = factory.LazyAttribute(lambda o: o.group.leader)
    rows = factory.LazyAttribute(
        lambda o: [
            {
                "type": "row",
                "value": {
                    "week": 1,
                    "month": 9,
                    "topic": "Chủ đề 1",
                    "lesson_title": "Các số 0, 1, 2, 3, 4, 5",
                    "periods": programme.SUBJECTS_BY_CODE[o.subject].periods_per_week[o.grade],
                    "adjustments": "",
                    "notes": "",
                },
            }
        ]
    )


class LessonPlanFactory(_RecordFactory):
    """One week's lesson plan of `teacher`, in the group of `school_class`."""

    class Meta:
        model = LessonPlanPage

    class Params:
        group = factory.LazyAttribute(lambda o: o.school_class.group)

    parent = factory.LazyAttribute(lambda o: o.group.page)
    author = factory.LazyAttribute(lambda o: o.teacher)
    week_number = 12
    week_start = factory.LazyAttribute(
        lambda o: (
            o.school_class.school_year.start_date
            - dt.timedelta(days=o.school_class.school_year.start_date.weekday())
            + dt.timedelta(weeks=o.week_number - 1)
        )
    )
    prepared_on = factory.LazyAttribute(lambda o: o.week_start - dt.timedelta(days=7))
    slug = factory.LazyAttribute(
        lambda o: f"tuan-{o.week_number}-{o.teacher.user.username.replace('.', '-')}"
    )
    timetable = factory.LazyAttribute(
        lambda o: [
            {
                "type": "row",
                "value": {
                    "weekday": 2,
                    "session": "sang",
                    "period": 1,
                    "subject": "toan",
                    "lesson_title": "Phép cộng trong phạm vi 10",
                    "ppct": (o.week_number - 1) * 5 + 1,
                    "aids": "Bảng phụ",
                    "notes": "",
                },
            }
        ]
    )
    lessons = factory.LazyAttribute(
        lambda o: [
            {
                "type": "lesson",
                "value": {
                    "subject": "toan",
                    "class_name": o.school_class.name,
                    "lesson_title": "Phép cộng trong phạm vi 10",
                    "periods": "Tiết 1",
                    "teaching_date": o.week_start.isoformat(),
                    "objectives": "<p>Thực hiện được phép cộng trong phạm vi 10.</p>",
                    "materials": "Sách giáo khoa, bảng phụ.",
                    "activities": [
                        {
                            "type": "item",
                            "value": {
                                "stage": "khoi_dong",
                                "minutes": 5,
                                "teacher_activity": "GV tổ chức trò chơi.",
                                "pupil_activity": "HS tham gia trò chơi.",
                            },
                        }
                    ],
                },
            }
        ]
    )


class StudentRecordFactory(_RecordFactory):
    """A học bạ with the first term's results of every subject and competence of the
    grade, as a homeroom teacher has entered them by December."""

    class Meta:
        model = StudentRecordPage
        skip_postgeneration_save = True

    class Params:
        school_class = None

    parent = factory.LazyAttribute(lambda o: o.school_class.page)
    pupil = factory.LazyAttribute(lambda o: PupilFactory(school=o.school_class.school))
    author = factory.LazyAttribute(lambda o: o.school_class.homeroom_teacher)
    slug = factory.LazyAttribute(lambda o: f"hoc-ba-{o.pupil.ministry_id}")
    height_cm = 115
    weight_kg = 20
    teacher_comment = "Em ngoan, lễ phép, tích cực tham gia hoạt động."

    @factory.post_generation
    def results(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or extracted is False:
            return
        grade = obj.school_class.grade
        SubjectResult.objects.bulk_create(
            SubjectResult(
                page=obj,
                sort_order=order,
                subject=subject.code,
                level_term1="T",
                score_term1=9 if subject.has_test(grade) else None,
                comment="Hoàn thành tốt nội dung học tập.",
            )
            for order, subject in enumerate(programme.subjects_for_grade(grade))
        )
        CompetenceResult.objects.bulk_create(
            CompetenceResult(page=obj, sort_order=order, competence=code, level_term1="T")
            for order, (code, _label) in enumerate(programme.COMPETENCE_CHOICES)
        )


class ClassSummaryFactory(_RecordFactory):
    class Meta:
        model = ClassResultSummaryPage

    class Params:
        school_class = None

    parent = factory.LazyAttribute(lambda o: o.school_class.page)
    author = factory.LazyAttribute(lambda o: o.school_class.homeroom_teacher)
    period = "giua_ky"
    slug = factory.LazyAttribute(lambda o: f"tong-hop-{o.period.replace('_', '-')}")


# --- one school, the demo's usernames -------------------------------------------------


@dataclass
class SchoolWorld:
    """One school and its people, by the demo district's usernames, with one record of
    each type. `staff["hn.giaovien"]` is the homeroom teacher of 1B, say."""

    year: SchoolYear
    authority: AuthorityPage
    school: School
    staff: dict[str, StaffProfile] = field(default_factory=dict)
    group: ProfessionalGroup | None = None
    classes: dict[str, SchoolClass] = field(default_factory=dict)
    pupils: list[Pupil] = field(default_factory=list)
    records: dict[str, Page] = field(default_factory=dict)

    def user(self, username: str):
        return self.staff[username].user


# Index updates are tasks; building a world queues them on the dummy backend, as the
# demo loader does, so a unit test pays for no search index it does not read. A test
# about search builds its objects and then runs `update_index` (or indexes one object).
_NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def school_world(
    *,
    code: str = "THHN",
    name: str = "Trường Tiểu học Hòa Nghĩa",
    today: dt.date = DEFAULT_TODAY,
    pupils_per_class: int = 2,
    with_authority_staff: bool = True,
) -> SchoolWorld:
    """One school as the demo loader builds it, cut down to what unit tests touch: every
    role once, group Tổ 1 with classes 1A (its leader's) and 1B (hn.giaovien's), and one
    record of each type (`records` keyed by record type)."""
    with transaction.atomic(), override_settings(TASKS=_NO_TASKS):
        return _build_school_world(
            code=code,
            name=name,
            today=today,
            pupils_per_class=pupils_per_class,
            with_authority_staff=with_authority_staff,
        )


def _build_school_world(
    *, code: str, name: str, today: dt.date, pupils_per_class: int, with_authority_staff: bool
) -> SchoolWorld:
    year = SchoolYearFactory(name=_year_name(today))
    authority = AuthorityPageFactory()
    school = SchoolFactory(code=code, name=name, authority=authority, year=year)
    prefix = code[2:].lower()
    world = SchoolWorld(year=year, authority=authority, school=school)

    def person(username: str, roles: list[str], **fields) -> StaffProfile:
        first = username.split(".")[-1]
        user = UserFactory(username=username, first_name=first.capitalize(), last_name="Nguyễn")
        profile = StaffFactory(user=user, roles=roles, **{"school": school, **fields})
        world.staff[username] = profile
        return profile

    if with_authority_staff:
        for username, role in (
            ("phong.gd", RoleCode.DISTRICT_OFFICE),
            ("thanh.tra", RoleCode.INSPECTOR),
        ):
            if not StaffProfile.objects.filter(user__username=username).exists():
                person(username, [role], school=None, authority=authority)
            world.staff[username] = StaffProfile.objects.get(user__username=username)
    person(f"{prefix}.hieutruong", [RoleCode.PRINCIPAL], position="Hiệu trưởng")
    vp = person(
        f"{prefix}.phohieutruong",
        [RoleCode.VICE_PRINCIPAL],
        position="Phó hiệu trưởng",
        assigned_categories=["lesson_plan", "group_plan", "student_record", "class_summary"],
    )
    vp2 = person(
        f"{prefix}.phohieutruong2",
        [RoleCode.VICE_PRINCIPAL],
        position="Phó hiệu trưởng",
        assigned_categories=["other", "enrollment_register", "school_plan"],
    )
    clerk = person(f"{prefix}.vanthu", [RoleCode.CLERK], position="Nhân viên văn thư")
    person(f"{prefix}.ketoan", [RoleCode.ACCOUNTANT], position="Nhân viên kế toán")
    person(f"{prefix}.luutru", [RoleCode.ARCHIVIST], position="Nhân viên lưu trữ")
    person(f"{prefix}.quantri", [RoleCode.TEACHER, RoleCode.SYSADMIN], position="Giáo viên Tin học")
    leader = person(f"{prefix}.totruong1", [RoleCode.TEACHER, RoleCode.GROUP_LEADER])
    teacher_name = "hn.giaovien" if code == "THHN" else f"{prefix}.gv1b"
    teacher = person(teacher_name, [RoleCode.TEACHER])

    group = ProfessionalGroupFactory(school=school, school_year=year, leader=leader)
    group.members.set([leader, teacher])
    group.save()
    world.group = group
    for class_name, homeroom in (("1A", leader), ("1B", teacher)):
        school_class = SchoolClassFactory(
            school=school, school_year=year, name=class_name, homeroom_teacher=homeroom, group=group
        )
        world.classes[class_name] = school_class
        for _n in range(pupils_per_class):
            world.pupils.append(PupilFactory(school=school, school_class=school_class))

    class_1b = world.classes["1B"]
    enrolled_1b = world.pupils[pupils_per_class:]
    world.records = {
        "school_plan": SchoolPlanFactory(school=school, year=year, author=vp),
        "group_plan": GroupPlanFactory(group=group),
        "lesson_plan": LessonPlanFactory(teacher=teacher, school_class=class_1b),
        "student_record": StudentRecordFactory(school_class=class_1b, pupil=enrolled_1b[0]),
        "class_summary": ClassSummaryFactory(school_class=class_1b),
        "enrollment_register": EnrollmentRegisterFactory(
            school=school, year=year, author=clerk, pupils=world.pupils
        ),
        "other": OtherRecordFactory(school=school, year=year, author=vp2),
    }
    for rest in enrolled_1b[1:]:
        StudentRecordFactory(school_class=class_1b, pupil=rest)
    return world


def two_school_worlds() -> tuple[SchoolWorld, SchoolWorld]:
    """Hòa Nghĩa (THHN, the users' own school) and Anh Dũng (THAD, the other one), as
    the cross-school rules compare them."""
    return school_world(), school_world(code="THAD", name="Trường Tiểu học Anh Dũng")
