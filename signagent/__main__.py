"""hoso-sign-agent's command line (also ``python -m signagent``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import AGENT_NAME, __version__
from .agent import Agent
from .pin import parse_pin_prompt
from .server import AgentHTTPServer, Settings, normalize_origin
from .token import Pkcs11Token

logger = logging.getLogger("signagent")

DEFAULT_PORT = 28777
MODULE_ENV = "HOSO_AGENT_PKCS11_MODULE"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=AGENT_NAME,
        description="Trình ký số của Hồ sơ chuyên môn điện tử: ký bằng USB token trên máy này.",
    )
    parser.add_argument(
        "--module",
        default=os.environ.get(MODULE_ENV),
        help=f"PKCS#11 library of the token's driver (env {MODULE_ENV})",
    )
    parser.add_argument("--token-label", help="the token's label (when several are plugged in)")
    parser.add_argument(
        "--origin",
        action="append",
        required=True,
        help="the site allowed to use this agent, e.g. https://hoso.pgd.example.vn (repeatable)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1")
    parser.add_argument(
        "--pin-prompt",
        default="tty",
        help="tty | command:CMD (prints the PIN, e.g. ssh-askpass) | file:PATH (tests only)",
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"{AGENT_NAME} {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.module:
        parser.error(f"--module (or {MODULE_ENV}) is required: the token driver's PKCS#11 library")
    if not Path(args.module).is_file():
        parser.error(f"PKCS#11 library not found: {args.module}")
    if not 0 < args.port < 65536:
        parser.error("--port must be between 1 and 65535")
    try:
        origins = frozenset(normalize_origin(o) for o in args.origin)
        pin_source = parse_pin_prompt(args.pin_prompt)
    except ValueError as exc:
        parser.error(str(exc))

    agent = Agent(
        token=Pkcs11Token(module=args.module, label=args.token_label), pin_source=pin_source
    )
    try:
        server = AgentHTTPServer(Settings(origins=origins, port=args.port), agent)
    except OSError as exc:
        logger.error("cannot listen on 127.0.0.1:%d: %s", args.port, exc)
        return 1
    logger.info(
        "%s %s listening on http://127.0.0.1:%d for %s",
        AGENT_NAME,
        __version__,
        args.port,
        ", ".join(sorted(origins)),
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("stopped")
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
