"""Thin receivers: each hands over to a service at once."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from recordpages import registry
from workflow.audit import audit_append, client_ip


def _sync_state(sender, instance, raw=False, **kwargs):
    if raw:
        return
    from workflow.services import record_state_sync

    record_state_sync(instance)


# Imported from WorkflowConfig.ready(), when every app's models (and so every declared
# record type, wherever its page class lives) are loaded.
for _model in registry.page_models():
    post_save.connect(_sync_state, sender=_model, dispatch_uid=f"record_state_{_model.__name__}")


@receiver(user_logged_in, dispatch_uid="audit_login")
def _login(sender, request, user, **kwargs):
    profile = getattr(user, "staff_profile", None)
    audit_append(
        action="auth.login",
        school_id=getattr(profile, "school_id", None),
        actor=user,
        object_type="user",
        object_id=user.pk,
        ip=client_ip(request),
    )


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from django.contrib.auth import get_user_model

    username = (credentials or {}).get("username", "")
    user = (
        get_user_model().objects.filter(username=username).select_related("staff_profile").first()
    )
    profile = getattr(user, "staff_profile", None) if user else None
    audit_append(
        action="auth.login_failed",
        school_id=getattr(profile, "school_id", None),
        actor=None,
        object_type="user",
        object_id=user.pk if user else "",
        summary=f"username={username}"[:300],
        ip=client_ip(request),
    )


# Account security events the audit chain keeps beside logins and refusals (R16).
_SECURITY_ACTIONS = {
    "locked_out": "auth.locked_out",
    "otp_failed": "auth.otp_failed",
    "otp_enrolled": "auth.otp_enrolled",
    "otp_removed": "auth.otp_removed",
    "password_reset_by_admin": "auth.password_reset",
    "two_factor_reset_by_admin": "auth.two_factor_reset",
    "upload_refused": "upload.refused",
}


def _security_event(
    sender, kind, user=None, username="", ip=None, when=None, detail="", actor=None, **kwargs
):
    action = _SECURITY_ACTIONS.get(str(kind))
    if action is None:
        return  # logins and failed logins are logged by the receivers above
    profile = getattr(user, "staff_profile", None) if user is not None else None
    audit_append(
        action=action,
        # In the chain of the account's school, so that its panels show a reset
        # even when it was done by someone outside the school (the authority).
        school_id=getattr(profile, "school_id", None),
        # A reset is done by someone else: the entry names who.
        actor=actor if actor is not None else user,
        object_type="user",
        object_id=user.pk if user is not None else "",
        summary=f"username={username} {detail}"[:300],
        ip=ip,
    )


def _connect_security_events() -> None:
    from accounts.signals import security_event

    security_event.connect(_security_event, dispatch_uid="audit_security_event")


_connect_security_events()
