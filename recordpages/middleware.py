"""Admin areas the product switches off answer 404 (their URLs stay registered by Wagtail)."""

import re

from django.http import Http404

# Wagtail's moderation workflows are off (the record FSM is the one source of truth),
# yet their screens and choosers stay routed; nobody but a superuser reaches them.
# Wagtail's stock reports (page types usage, site history, locked and aging pages,
# workflows) and the page-type usage listing work across the whole tree: they showed
# every school's titles to any editor. The school's own history is the workflow's
# record screen and the audit log; only a superuser opens the stock ones.
DISABLED_PREFIXES = (
    "/admin/workflows/",
    "/admin/reports/",
    "/admin/pages/usage/",
    "/admin/pages/workflow/action/",
    "/admin/pages/workflow/collect_action_data/",
    "/admin/pages/workflow/preview/",
)
# Per-page screens of the switched-off Wagtail workflows (confirm_cancellation stays: the
# editor asks it before a save and it answers "no confirmation needed").
_DISABLED_PAGE_SCREENS = re.compile(r"^/admin/pages/\d+/workflow_history/")


def is_disabled_admin_path(path: str) -> bool:
    return path.startswith(DISABLED_PREFIXES) or bool(_DISABLED_PAGE_SCREENS.match(path))


class DisabledAdminAreasMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_disabled_admin_path(request.path):
            user = getattr(request, "user", None)
            if not (user and user.is_authenticated and user.is_superuser):
                raise Http404
        return self.get_response(request)


_CHOOSER_PARENT = re.compile(r"^/admin/choose-page/(\d+)/")


class ScopedPageChooserMiddleware:
    """The page chooser browses any parent by id; refuse parents the user may not explore
    (the children it lists are filtered by the construct_page_chooser_queryset hook)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = _CHOOSER_PARENT.match(request.path)
        user = getattr(request, "user", None)
        if match and user is not None and user.is_authenticated:
            from recordpages.permissions import explorable_page_ids

            if not explorable_page_ids(user).filter(pk=int(match.group(1))).exists():
                raise Http404
        return self.get_response(request)
