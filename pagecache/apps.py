from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PageCacheConfig(AppConfig):
    name = "pagecache"
    verbose_name = _("Bộ đệm trang công khai")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from pagecache import signals

        signals.connect()
        # `migrate` (make run, the tests, the production entrypoint) creates the
        # DatabaseCache table when the page cache is database-backed.
        post_migrate.connect(
            signals.create_cache_table, sender=self, dispatch_uid="pagecache.create_cache_table"
        )
