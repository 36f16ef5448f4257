from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản và an toàn")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the auth and axes signals)
        from accounts.compat import guard_chooser_lookups, guard_link_chooser_field
        from accounts.furniture import remember_admin_furniture
        from accounts.names import use_vietnamese_order

        use_vietnamese_order()
        guard_chooser_lookups()
        guard_link_chooser_field()
        remember_admin_furniture()
