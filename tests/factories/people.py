"""Accounts, staff with their roles synced into the managed groups as the admin
does, and pupils."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from recordpages.models import (
    ClassEnrollment,
    Pupil,
    RoleCode,
    StaffProfile,
)
from recordpages.services import staff_access_sync
from tests.factories.pages import SchoolFactory

PASSWORD = "Demo@2026hoso"  # the demo loader's, so tests that log in by form still can


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
