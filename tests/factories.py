"""factory_boy factories for the people and reference data."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from recordpages.models import Pupil, School, SchoolYear, StaffProfile


class SchoolYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("name",)

    name = "2026-2027"
    start_date = dt.date(2026, 9, 5)
    end_date = dt.date(2027, 5, 31)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    code = factory.Sequence(lambda n: f"TH{n:03d}")
    name = factory.Sequence(lambda n: f"Trường Tiểu học Số {n}")
    place_name = "Dương Kinh"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Demo@2026hoso")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    full_name = "Nguyễn Thị Lan"


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    ministry_id = factory.Sequence(lambda n: f"{n:010d}")
    full_name = "Trần Minh Khôi"
    date_of_birth = dt.date(2019, 3, 14)
    sex = "nam"
