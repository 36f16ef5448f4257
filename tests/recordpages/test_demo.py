"""The demo district: believable, complete, and the same after a second run."""

import hashlib
import json

from django.apps import apps
from django.core.management import call_command
from django.test import TestCase

from recordpages import registry
from recordpages.demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD, SCHOOLS
from recordpages.models import School, SchoolClass, StaffProfile
from tests.conftest import load_small_district


def _plain(value):
    """StreamField values compare by their stored JSON, not by their object repr."""
    raw = getattr(value, "raw_data", None)
    return json.dumps(list(raw), sort_keys=True, default=str) if raw is not None else value


def snapshot() -> dict[str, str]:
    """Row count and a digest of every row of every project and Wagtail model."""
    state = {}
    for model in apps.get_models():
        if model._meta.app_label not in {"recordpages", "wagtailcore", "auth", "workflow"}:
            continue
        if model._meta.model_name in {"pagelogentry", "modellogentry", "revision"}:
            continue  # logs of what happened, not the data
        rows = [tuple(_plain(v) for v in row) for row in model.objects.order_by("pk").values_list()]
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[model._meta.label] = f"{model.objects.count()}:{digest}"
    return state


class DemoDistrictTests(TestCase):
    def test_running_the_loader_twice_leaves_the_same_data(self):
        load_small_district()
        first = snapshot()
        load_small_district()
        second = snapshot()
        changed = {label for label in first if first[label] != second.get(label)}
        self.assertEqual(changed, set())

    def test_every_record_type_and_every_role_is_present(self):
        load_small_district()
        for model in registry.page_models():
            if model._meta.app_label == "recordpages":  # not the tests' example type
                self.assertTrue(model.objects.exists(), model.__name__)
        roles = set(StaffProfile.objects.values_list("roles__code", flat=True))
        self.assertEqual(
            roles,
            {
                "district_office",
                "inspector",
                "principal",
                "vice_principal",
                "group_leader",
                "teacher",
                "clerk",
                "accountant",
                "sysadmin",
                "archivist",
            },
        )

    def test_demo_accounts_log_in_with_the_documented_password(self):
        load_small_district()
        for username, _label in DEMO_ACCOUNTS:
            if username.startswith(("hn.", "ad.", "phong", "thanh", "admin")):
                self.assertTrue(
                    self.client.login(username=username, password=DEMO_PASSWORD), username
                )
                response = self.client.get("/admin/")
                self.assertEqual(response.status_code, 200, username)
                self.client.logout()

    def test_full_command_builds_schools_with_realistic_classes(self):
        # Two of the four schools keep the suite fast; the other two are built the same way.
        self.assertGreaterEqual(len(SCHOOLS), 4)
        call_command(
            "load_demo_district",
            "--today",
            "2026-11-25",
            "--schools",
            "2",
            stdout=open("/dev/null", "w"),
        )
        self.assertEqual(School.objects.count(), 2)
        for school in School.objects.all():
            classes = SchoolClass.objects.filter(school=school, school_year__name="2026-2027")
            self.assertEqual(set(classes.values_list("grade", flat=True)), {1, 2, 3, 4, 5})
            for grade in range(1, 6):
                self.assertIn(classes.filter(grade=grade).count(), (2, 3))
            for school_class in classes:
                self.assertTrue(25 <= school_class.pupils.count() <= 35, school_class)
            self.assertEqual(school.groups.filter(school_year__name="2026-2027").count(), 5)
            # Last year's grade 5 finished primary school: their records are signed.
            self.assertTrue(
                SchoolClass.objects.filter(
                    school=school, school_year__name="2025-2026", grade=5
                ).exists()
            )
        self.assertTrue(
            StaffProfile.objects.filter(full_name__regex=r"^(Nguyễn|Trần|Lê|Phạm)").exists()
        )
