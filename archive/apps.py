from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArchiveConfig(AppConfig):
    name = "archive"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Lưu trữ")

    def ready(self) -> None:
        from archive import checkpoints, signals
        from workflow.audit import register_anchor
        from workflow.events import record_transitioned

        record_transitioned.connect(
            signals.on_record_transitioned, dispatch_uid="archive.freeze_on_transition"
        )
        # audit_verify checks the chains against the signed checkpoints in the store.
        register_anchor(checkpoints.verify)
