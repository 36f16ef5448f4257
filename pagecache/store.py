"""Entries and invalidation.

Each entry is stored with the *generation* current when its request began. Invalidation
writes a new generation: every older entry stops matching at once, on every worker and
host sharing the cache, without a flush of the backend (which, on Redis, would flush the
whole database). A hit reads the generation and the entry in one get_many (one query on
the DatabaseCache).
"""

from __future__ import annotations

import hashlib
import logging
import secrets

from django.core.cache import caches
from django.db import transaction

from pagecache import conf

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"


def cache():
    return caches[conf.get("ALIAS")]


def entry_key(scheme: str, host: str, path: str) -> str:
    digest = hashlib.sha256(f"{scheme}://{host}{path}".encode()).hexdigest()
    return f"pagecache:page:{digest}"


def lookup(key: str) -> tuple[str | None, object | None]:
    """(current generation, entry valid for it or None)."""
    found = cache().get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    entry = found.get(key)
    if generation is None or entry is None or entry[0] != generation:
        return generation, None
    return generation, entry


def current_generation(known: str | None) -> str:
    if known is not None:
        return known
    cache().add(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    return cache().get(GENERATION_KEY)


def save(key: str, generation: str, status: int, headers: list, content: bytes) -> None:
    cache().set(key, (generation, status, headers, content), timeout=conf.get("TIMEOUT"))


def _bump(reason: str) -> None:
    try:
        cache().set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # the TTL still bounds staleness; publishing must not fail
        logger.exception("Page cache invalidation failed (%s)", reason)
    else:
        logger.debug("Page cache invalidated: %s", reason)


def invalidate(reason: str = "") -> None:
    """Drop every cached page now and again once the current transaction commits: a
    request that rendered the old rows while the change was not yet committed cannot
    leave them cached under the generation that follows the commit."""
    if transaction.get_connection().in_atomic_block:
        _bump(reason)
    transaction.on_commit(lambda: _bump(reason))
