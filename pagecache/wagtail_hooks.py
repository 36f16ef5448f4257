"""Marks a request whose page every other before_serve_page guard let through."""

from wagtail import hooks

from pagecache.middleware import MARK


# Last: a guard that raises Http404 or answers itself (view restrictions) runs first and
# stops the chain, so only pages served to the public are marked storable.
@hooks.register("before_serve_page", order=10_000)
def mark_servable_page(page, request, serve_args, serve_kwargs):
    setattr(request, MARK, True)
