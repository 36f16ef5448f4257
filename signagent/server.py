"""Protocol v1 over HTTP on 127.0.0.1: the checks every request passes before it
reaches the agent.

- Host must be 127.0.0.1:<port> or localhost:<port>: a page on a DNS name that
  re-binds to 127.0.0.1 sends its own name as Host and is refused.
- Origin must be one of the configured sites: another web page may reach 127.0.0.1
  too, and the browser tells us which page it is.
- CORS preflight is answered only for those sites, with Chromium's Private Network
  Access header, so the site's page may call a loopback address.
- Bodies are bounded, paths are exactly the protocol's, anything else is a 404.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from . import messages
from .agent import Agent, Busy
from .batch import BadRequest, parse_sign_request
from .token import TokenError

logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024
ROUTES = {"/v1/status": "GET", "/v1/certificates": "GET", "/v1/sign": "POST"}
READ_TIMEOUT = 30  # seconds; a client that stops sending mid-body does not hold a thread


def normalize_origin(value: str) -> str:
    """scheme://host[:port] as a browser serialises it; ValueError for anything else."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"not an origin: {value!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ValueError(f"an origin has no path, query or user: {value!r}")
    default = {"http": 80, "https": 443}[parts.scheme]
    port = "" if parts.port in {None, default} else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


@dataclass(frozen=True)
class Settings:
    origins: frozenset[str]
    port: int

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})


class Handler(BaseHTTPRequestHandler):
    server: AgentHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "hoso-sign-agent"
    sys_version = ""
    timeout = READ_TIMEOUT

    # -- the checks ------------------------------------------------------------------

    def _origin(self) -> str | None:
        """The request's Origin if it is one of the configured sites."""
        origin = self.headers.get("Origin", "")
        return origin if origin in self.server.settings.origins else None

    def _refuse_early(self) -> bool:
        """Host, then Origin, then path; True if a refusal was sent."""
        host = (self.headers.get("Host") or "").lower()
        if host not in self.server.settings.hosts:
            logger.warning("refused: Host %r", host[:100])
            self._json(HTTPStatus.FORBIDDEN, {"error": messages.FORBIDDEN_HOST})
            return True
        if self._origin() is None:
            logger.warning("refused: Origin %r", self.headers.get("Origin", "")[:100])
            self._json(HTTPStatus.FORBIDDEN, {"error": messages.FORBIDDEN_ORIGIN})
            return True
        if urlsplit(self.path).path not in ROUTES:
            self._json(HTTPStatus.NOT_FOUND, {"error": messages.NOT_FOUND})
            return True
        return False

    # -- responses -------------------------------------------------------------------

    def _json(self, status: HTTPStatus, payload: dict[str, Any], *, cors: bool = False) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if cors:
            self._cors_headers()
        self.end_headers()
        self.wfile.write(body)

    def _cors_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
        self.send_header("Vary", "Origin")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib's name)
        logger.debug("%s " + format, self.client_address[0], *args)

    # -- methods ---------------------------------------------------------------------

    def do_OPTIONS(self) -> None:  # noqa: N802 (stdlib's naming)
        if self._refuse_early():
            return
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors_headers()
        self.send_header("Access-Control-Allow-Methods", ROUTES[urlsplit(self.path).path])
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Allow-Private-Network", "true")
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        if self._refuse_early():
            self.close_connection = True
            return
        path = urlsplit(self.path).path
        if ROUTES[path] != method:
            self.close_connection = True
            self._json(
                HTTPStatus.METHOD_NOT_ALLOWED, {"error": messages.METHOD_NOT_ALLOWED}, cors=True
            )
            return
        agent = self.server.agent
        try:
            if path == "/v1/status":
                self._json(HTTPStatus.OK, agent.status(), cors=True)
            elif path == "/v1/certificates":
                self._json(HTTPStatus.OK, agent.certificates(), cors=True)
            else:
                request = parse_sign_request(self._read_json())
                self._json(
                    HTTPStatus.OK, agent.sign(request, origin=self.headers["Origin"]), cors=True
                )
        except BadRequest as exc:
            self.close_connection = True
            self._json(HTTPStatus(exc.status), {"error": exc.message}, cors=True)
        except Busy:
            self._json(HTTPStatus.CONFLICT, {"error": messages.BUSY}, cors=True)
        except TokenError as exc:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": exc.message}, cors=True)

    def _read_json(self) -> Any:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise BadRequest(messages.BAD_CONTENT_TYPE, status=415)
        if self.headers.get("Transfer-Encoding"):
            raise BadRequest(messages.LENGTH_REQUIRED, status=411)
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError as exc:
            raise BadRequest(messages.LENGTH_REQUIRED, status=411) from exc
        if length < 0 or length > MAX_BODY:
            raise BadRequest(
                messages.BODY_TOO_LARGE.format(megabytes=MAX_BODY // 2**20), status=413
            )
        try:
            return json.loads(self.rfile.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadRequest(messages.BAD_JSON) from exc


class AgentHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # two agents on one port would be a surprise, not a feature

    def __init__(self, settings: Settings, agent: Agent) -> None:
        self.settings = settings
        self.agent = agent
        # Loopback only: the agent is never reachable from the school's network.
        super().__init__(("127.0.0.1", settings.port), Handler)
        if settings.port == 0:  # an ephemeral port (tests): the Host check needs the real one
            self.settings = replace(settings, port=self.server_address[1])
