from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordpagesConfig(AppConfig):
    name = "recordpages"
    verbose_name = _("Hồ sơ chuyên môn")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_save
        from wagtail.permissions import register_permission_policy

        from intake.models import RecordFile

        from . import checks  # noqa: F401  (registers system checks)
        from .dbtext import register_sqlite_function
        from .forms import use_file_hand_in_form
        from .models import (
            ProfessionalGroup,
            Pupil,
            RecordCategory,
            School,
            SchoolClass,
            StaffProfile,
        )
        from .models.base import note_converted_file_on_save
        from .permissions import SchoolScopedPermissionPolicy

        for model in (StaffProfile, Pupil, SchoolClass, ProfessionalGroup, RecordCategory):
            register_permission_policy(model, SchoolScopedPermissionPolicy(model))
        register_permission_policy(School, SchoolScopedPermissionPolicy(School, school_field="pk"))
        connection_created.connect(register_sqlite_function, dispatch_uid="recordpages.fold")
        use_file_hand_in_form()
        post_save.connect(
            note_converted_file_on_save, sender=RecordFile, dispatch_uid="recordpages.file_hash"
        )
