"""Shared cache of rendered public pages for anonymous visitors (issue 7 load target).

See pagecache/middleware.py for what is cached and pagecache/signals.py for when the
cache is invalidated.
"""
