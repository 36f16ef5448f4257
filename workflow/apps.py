from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Quy trình duyệt hồ sơ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from recordpages.guards import register_write_guard
        from recordpages.permissions import register_content_reader

        from . import signals  # noqa: F401  (connects the thin receivers)
        from .selectors import page_content_readable
        from .services import guard_write

        register_write_guard(guard_write)
        register_content_reader(page_content_readable)
