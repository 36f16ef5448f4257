from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Tài khoản và an toàn"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from accounts import receivers  # noqa: F401  (connects the auth and axes signals)
        from accounts.compat import guard_chooser_lookups, guard_link_chooser_field

        guard_chooser_lookups()
        guard_link_chooser_field()
