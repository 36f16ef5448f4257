"""System checks for misconfiguration that would silently weaken the product."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def check_moderation_off(app_configs, **kwargs):
    errors = []
    if getattr(settings, "WAGTAIL_WORKFLOW_ENABLED", True):
        errors.append(
            checks.Error(
                "Wagtail's moderation workflow must be off: the record FSM is the one source "
                "of truth for approval.",
                hint="Set WAGTAIL_WORKFLOW_ENABLED = False.",
                id="recordpages.E001",
            )
        )
    if settings.LANGUAGE_CODE != "vi":
        errors.append(checks.Error("LANGUAGE_CODE must be 'vi'.", id="recordpages.E002"))
    return errors
