"""The district's tree down to the class: the school year, the authority, schools
with their year pages, professional groups and classes, each page added under its
real parent so the models derive their tree fields."""

from __future__ import annotations

import datetime as dt

import factory
import wagtail_factories
from wagtail.models import Page, Site

from recordpages.models import (
    AuthorityKind,
    AuthorityPage,
    ClassPage,
    ProfessionalGroup,
    ProfessionalGroupPage,
    School,
    SchoolClass,
    SchoolPage,
    SchoolYear,
    SchoolYearPage,
)

DEFAULT_TODAY = dt.date(2026, 11, 25)  # the date tests/conftest.py gives the district


def _year_name(today: dt.date) -> str:
    first = today.year if today.month >= 8 else today.year - 1
    return f"{first}-{first + 1}"


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
