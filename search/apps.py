from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Tìm kiếm")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from search import handlers
        from workflow.events import record_saved, record_transitioned
        from workflow.models import RecordState

        record_saved.connect(handlers.on_record_saved, dispatch_uid="search.record_saved")
        record_transitioned.connect(
            handlers.on_record_transitioned, dispatch_uid="search.record_transitioned"
        )
        post_delete.connect(
            handlers.on_record_state_deleted,
            sender=RecordState,
            dispatch_uid="search.record_state_deleted",
        )
