"""A fork server that makes a mutation run about ten times cheaper (scripts/mutation).

Each mutant's test run is mostly start-up: Python, Django and Wagtail's setup, pytest's
plugins, Faker (some 10 s on this machine, against 1 s of rule tests). This process pays
for that once; for each mutant, scripts/mutation_client.py asks it for a run, and a
forked child reloads the mutated modules from disk, points every module that imported
their functions or classes by name at the new ones, and runs pytest in-process.

A reload can miss a reference the patching does not reach (a closure, a default
argument): the mutant then looks alive when it is not. scripts/mutation therefore runs
each survivor again with the config's own test command in a fresh process; only the
survivors of that check are reported. The baseline (unmutated modules) also goes through
this server, so a reload that by itself breaks the tests shows up before any mutant.

    python scripts/mutation_forkserver.py SOCKET MODULE [MODULE...]
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import socket
import sys
import types

SENTINEL = "\n@@hoso-mutation-exit "
TIMEOUT = int(os.environ.get("HOSO_MUTATION_TIMEOUT", "110"))


def _drop_bytecode(names: list[str]) -> None:
    # The source loader trusts a .pyc whose recorded mtime (in seconds) and size match:
    # a mutant of the same length written within the same second would be ignored.
    sys.dont_write_bytecode = True
    for name in names:
        spec = importlib.util.find_spec(name)
        if spec and spec.origin:
            try:
                os.remove(importlib.util.cache_from_source(spec.origin))
            except FileNotFoundError:
                pass


def _reload(names: list[str]) -> None:
    for name in names:
        module = sys.modules.get(name)
        if module is None:
            importlib.import_module(name)
            continue
        before = dict(module.__dict__)
        importlib.reload(module)
        replaced: dict[int, object] = {}
        for key, old in before.items():
            new = module.__dict__.get(key)
            if new is None or new is old:
                continue
            if isinstance(old, list | dict | set) and type(new) is type(old) and not new:
                # A registry filled by other apps at start-up (audit's anchors).
                if isinstance(new, list):
                    new.extend(old)
                else:
                    new.update(old)
            if getattr(old, "__module__", None) == name and callable(old):
                replaced[id(old)] = new
        for other in list(sys.modules.values()):
            namespace = getattr(other, "__dict__", None)
            if other is module or not isinstance(other, types.ModuleType) or not namespace:
                continue
            for key, value in list(namespace.items()):
                if id(value) in replaced and getattr(value, "__module__", None) == name:
                    namespace[key] = replaced[id(value)]


def _child(names: list[str], request: dict) -> int:
    signal.alarm(TIMEOUT)
    os.chdir(request["cwd"])
    _reload(names)
    import pytest

    return int(pytest.main(request["args"]))


def serve(path: str, names: list[str]) -> None:
    sys.path.insert(0, os.getcwd())  # the copy's modules, not the editable install's
    _drop_bytecode(names)
    import django

    django.setup()
    import faker  # noqa: F401  (the slowest import of the test run)
    import pytest  # noqa: F401
    import pytest_django.fixtures  # noqa: F401
    import pytest_django.plugin  # noqa: F401

    for name in names:
        origin = importlib.util.find_spec(name).origin
        if not origin.startswith(os.getcwd() + os.sep):
            raise SystemExit(f"{name} comes from {origin}, not from the copy under test")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    print(f"mutation fork server ready on {path}", flush=True)
    while True:
        conn, _ = server.accept()
        with conn:
            request = json.loads(conn.makefile("r", encoding="utf-8").readline())
            pid = os.fork()
            if pid == 0:
                server.close()
                os.dup2(conn.fileno(), 1)
                os.dup2(conn.fileno(), 2)
                try:
                    code = _child(names, request)
                except BaseException as exc:  # noqa: BLE001  (an import error is a kill)
                    print(f"mutation child failed: {exc!r}", flush=True)
                    code = 99
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
            conn.sendall(f"{SENTINEL}{code}\n".encode())


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2:])
