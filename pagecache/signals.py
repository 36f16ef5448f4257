"""When the page cache is invalidated (the TTL bounds anything these miss)."""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command

from pagecache import conf, store
from recordpages import registry
from recordpages.registry import State


def _is_public_type(instance) -> bool:
    from recordpages.models import AuthorityPage, SchoolPage, SchoolPlanPage

    return isinstance(instance, AuthorityPage | SchoolPage | SchoolPlanPage)


def on_page_published(sender, instance, **kwargs):
    if _is_public_type(instance):
        store.invalidate(f"page {instance.pk} published")


def on_page_unpublished(sender, instance, **kwargs):
    if _is_public_type(instance):
        store.invalidate(f"page {instance.pk} unpublished")


def on_page_tree_changed(sender, instance=None, **kwargs):
    store.invalidate("page moved or renamed")


def on_page_deleted(sender, instance, **kwargs):
    from wagtail.models import Page

    if isinstance(instance, Page):
        store.invalidate(f"page {instance.pk} deleted")


def on_site_changed(sender, instance, **kwargs):
    store.invalidate("site changed")


def on_archived(sender, instance, **kwargs):
    # The plan page shows its latest signed PDF; no other archived record is public
    # (a year end freezes a thousand học bạ, which must not empty the cache each time).
    from recordpages.models import SchoolPlanPage

    if (
        getattr(instance, "kind", None) == "record"
        and instance.record_type == SchoolPlanPage.record_type
    ):
        store.invalidate(f"record {instance.page_ref} archived")


def on_record_transitioned(sender, *, page_id, transition="", source="", target="", **kwargs):
    if transition in (registry.PUBLISH, registry.CORRECTION) or State.PUBLISHED in (source, target):
        store.invalidate(f"record {page_id} {transition}")


def create_cache_table(sender, using="default", **kwargs):
    if isinstance(caches[conf.get("ALIAS")], DatabaseCache):
        call_command("createcachetable", database=using, verbosity=0)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Site
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from archive.models import ArchivedVersion
    from workflow.events import record_transitioned

    uid = "pagecache."
    page_published.connect(on_page_published, dispatch_uid=uid + "published")
    page_unpublished.connect(on_page_unpublished, dispatch_uid=uid + "unpublished")
    post_page_move.connect(on_page_tree_changed, dispatch_uid=uid + "moved")
    page_slug_changed.connect(on_page_tree_changed, dispatch_uid=uid + "slug")
    post_delete.connect(on_page_deleted, dispatch_uid=uid + "page_deleted")
    post_save.connect(on_site_changed, sender=Site, dispatch_uid=uid + "site_saved")
    post_delete.connect(on_site_changed, sender=Site, dispatch_uid=uid + "site_deleted")
    post_save.connect(on_archived, sender=ArchivedVersion, dispatch_uid=uid + "archived")
    record_transitioned.connect(on_record_transitioned, dispatch_uid=uid + "transitioned")
