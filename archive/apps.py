from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "archive"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Lưu trữ"

    def ready(self) -> None:
        from archive import signals
        from workflow.events import record_transitioned

        record_transitioned.connect(
            signals.on_record_transitioned, dispatch_uid="archive.freeze_on_transition"
        )
