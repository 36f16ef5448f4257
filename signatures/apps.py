from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "signatures"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = _("Ký số")

    def ready(self) -> None:
        from signatures import services
        from workflow import signing

        # The one maker of the signatures a path step carries (workflow.signing).
        signing.register(services.make_signature)
