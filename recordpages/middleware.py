"""Admin screens answer 404 when recordpages.permissions says the user may not open
them: the stock Wagtail screens the product switches off (their URLs stay registered
by Wagtail) and the page chooser's browsing of a parent the user may not explore.

Both decide on the resolved view (its name and arguments), never on the URL's text:
the admin may be mounted anywhere, under any script prefix."""

from django.http import Http404

from recordpages.permissions import may_browse_page, may_open_admin_screen

CHOOSER_BROWSE_VIEW = "wagtailadmin_choose_page_child"


class DisabledAdminAreasMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if not may_open_admin_screen(
            request.user, namespaces=match.namespaces, view_name=match.view_name
        ):
            raise Http404
        return None


class ScopedPageChooserMiddleware:
    """The page chooser browses any parent by id; refuse parents the user may not explore."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.resolver_match.view_name != CHOOSER_BROWSE_VIEW:
            return None
        if request.user.is_authenticated and not may_browse_page(
            request.user, view_kwargs["parent_page_id"]
        ):
            raise Http404
        return None
