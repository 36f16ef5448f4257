"""Full-text search across the records, scoped to the asker, on the database
or on Elasticsearch behind one small interface (DESIGN.md, "Search"): documents
built from each record's approved and working versions, Vietnamese-aware
matching, an indexing queue in the database that survives the engine being
down, and the admin screen and JSON endpoint that read through it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.backends.base import SearchBackend

__all__ = ["get_backend", "reset_backend"]

_cache: dict[tuple, SearchBackend] = {}


def get_backend(config: dict | None = None) -> SearchBackend:
    """The configured backend (settings.HOSO_SEARCH), one instance per configuration."""
    from django.conf import settings

    config = dict(config if config is not None else settings.HOSO_SEARCH)
    key = tuple(sorted((k, str(v)) for k, v in config.items()))
    backend = _cache.get(key)
    if backend is None:
        if config.get("BACKEND", "database") == "elasticsearch":
            from search.backends.elasticsearch import ElasticsearchBackend

            backend = ElasticsearchBackend(config)
        else:
            from search.backends.database import DatabaseBackend

            backend = DatabaseBackend(config)
        _cache[key] = backend
    return backend


def reset_backend() -> None:
    """Forget cached backends (tests that switch configuration)."""
    _cache.clear()
