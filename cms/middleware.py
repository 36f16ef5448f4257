"""Project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cms import faults


class FaultPageMiddleware:
    """A view that fails because the database is down or the disk is full answers the
    Vietnamese 503 page instead of a server error. Failures outside the view (a
    middleware loading the session) reach cms.views.server_error, which does the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = faults.classify(exception)
        if kind is None:
            return None
        return faults.fault_response(request, kind, exception)


class ServerTimingMiddleware:
    """Adds a `Server-Timing` header (wall and CPU milliseconds, SQL query count) to
    every response, so that a benchmark driving a real browser reads what each page
    cost the server (benchmarks/journey.py). Off unless HOSO_SERVER_TIMING=1: the
    figures say something of the server's load to whoever reads the headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        import time

        from django.db import connections

        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started, cpu_started = time.perf_counter(), time.thread_time()
        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        response["Server-Timing"] = (
            f"app;dur={wall:.1f}, cpu;dur={cpu:.1f}, db;desc=queries;dur={queries}"
        )
        return response
