"""Command line: run a command against throwaway real services, or just install them.

    python -m devservices postgres -- pytest            # DATABASE_URL=postgres://...
    python -m devservices elasticsearch -- pytest       # ELASTICSEARCH_URL=http://...
    python -m devservices s3 -- pytest                  # S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, ...
    python -m devservices postgres elasticsearch s3 -- pytest
    python -m devservices postgres                      # print the variables, wait for Ctrl-C
    python -m devservices --install-only                # fetch/build every server (CI, first)
    python -m devservices --install-only elasticsearch

The command's exit code is returned. Exit code 3 means a service is unavailable on this
machine (the message says what to install), 1 that one failed to start.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from types import FrameType

from ._base import ServiceStartError, ServiceUnavailable

logger = logging.getLogger("devservices")

SERVICES = ("postgres", "elasticsearch", "s3")
EXIT_START_FAILED = 1
EXIT_UNAVAILABLE = 3


def _installer(name: str) -> Callable[[], object]:
    if name == "postgres":
        from .postgres import PostgresServer

        return PostgresServer.ensure_installed
    if name == "elasticsearch":
        from .elasticsearch import ensure_installed

        return ensure_installed
    from .s3 import ensure_installed as ensure_s3

    return ensure_s3


@contextlib.contextmanager
def _running(name: str) -> Iterator[dict[str, str]]:
    """Start one service and yield the environment variables that point at it."""
    if name == "postgres":
        from .postgres import PostgresServer

        with PostgresServer() as pg:
            yield pg.env()
    elif name == "elasticsearch":
        from .elasticsearch import ElasticsearchServer

        with ElasticsearchServer() as es:
            yield es.env()
    else:
        from .s3 import S3Server

        with S3Server() as s3:
            yield s3.env()


def install(names: Sequence[str]) -> None:
    for name in names:
        began = time.monotonic()
        logger.info("installing %s ...", name)
        result = _installer(name)()
        logger.info("%s ready (%s) in %.1fs", name, result, time.monotonic() - began)


def run(names: Sequence[str], command: Sequence[str]) -> int:
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        for name in names:
            variables = stack.enter_context(_running(name))
            env.update(variables)
            for key, value in variables.items():
                logger.info("%s=%s", key, value)
        if not command:
            return _wait_forever()
        return _run_child(command, env)


def _run_child(command: Sequence[str], env: dict[str, str]) -> int:
    try:
        child = subprocess.Popen(list(command), env=env)
    except OSError as exc:
        logger.error("cannot run %s: %s", command[0], exc)
        return 127
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (same terminal process group): let it finish.
            continue
        except SystemExit:
            child.terminate()
            child.wait()
            raise


def _wait_forever() -> int:
    logger.info("services running; press Ctrl-C to stop them")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
    return 0


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    argv = list(argv)
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m devservices",
        description="Run a command with throwaway real services (see module docstring).",
    )
    parser.add_argument(
        "services", nargs="*", metavar="SERVICE", help=f"one or more of: {', '.join(SERVICES)}"
    )
    parser.add_argument(
        "--install-only",
        action="store_true",
        help="fetch/build the servers (all when none is named) and exit",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    unknown = [name for name in args.services if name not in SERVICES]
    if unknown:
        parser.error(f"unknown service {', '.join(unknown)}; choose from {', '.join(SERVICES)}")
    if not args.install_only and not args.services:
        parser.error("name at least one service, or use --install-only")
    if args.install_only and command:
        parser.error("--install-only takes no command")
    return args, command


def main(argv: Sequence[str] | None = None) -> int:
    args, command = parse(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        if args.install_only:
            install(args.services or SERVICES)
            return 0
        return run(args.services, command)
    except ServiceUnavailable as exc:
        logger.error("service unavailable: %s", exc)
        return EXIT_UNAVAILABLE
    except ServiceStartError as exc:
        logger.error("%s", exc)
        return EXIT_START_FAILED


if __name__ == "__main__":
    sys.exit(main())
