"""Registers the public-site guards and the report screens; decides nothing."""

from wagtail import hooks

from reports.public import hooks as public_hooks

hooks.register("before_serve_page", public_hooks.refuse_non_public_page)
hooks.register("before_serve_document", public_hooks.refuse_document_to_public)
