"""Admin areas the product switches off answer 404 (their URLs stay registered by Wagtail)."""

from django.http import Http404

# Wagtail's moderation workflows are off (the record FSM is the one source of truth),
# yet their screens and choosers stay routed; nobody but a superuser reaches them.
DISABLED_PREFIXES = ("/admin/workflows/",)


class DisabledAdminAreasMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(DISABLED_PREFIXES):
            user = getattr(request, "user", None)
            if not (user and user.is_authenticated and user.is_superuser):
                raise Http404
        return self.get_response(request)
