"""The authentication backends: axes' lockout, tolerant of callers that authenticate
without a request, and Django's model backend reading permissions in one query."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class LockoutBackend(AxesStandaloneBackend):
    """Refuses logins of locked accounts and addresses.

    Only requests over the network can be locked out; `authenticate()` without a
    request (the test client's `login()`, a shell) has no address to count and is
    passed on to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class PermissionsBackend(ModelBackend):
    """Django's model backend, with a user's own and group permissions read in one
    query instead of two: Wagtail's admin asks for them on every request (issue 18)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                rows = Permission.objects.all()
            else:
                rows = Permission.objects.filter(
                    Q(user=user_obj) | Q(group__user=user_obj)
                ).distinct()
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in rows.values_list(
                    "content_type__app_label", "codename"
                ).order_by()
            }
        return user_obj._perm_cache
