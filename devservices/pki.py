"""The dev PKI's CRL, OCSP responder and TSA over real HTTP, for tests.

The certificates of `archive.devpki` name their CRL and OCSP responder under one URL
(SIGNING_DEV_PKI_URL). This server answers there with `archive.pki_services`
(Certomancer's CRL, OCSP and TSA builders over the dev PKI's files), so a validator
that fetches — pyHanko's aiohttp fetchers, poppler's pdfsig — talks HTTP to it as to a
CA. In-process, in a daemon thread, like the TSA server: the responders are Python,
and a test can revoke a certificate (devpki.revoke) and see the next answer say so.

Paths under the URL's path: ``ca.crt`` (GET), ``ca.crl`` (GET), ``ocsp`` (POST, or
GET with the base64 request, RFC 6960 appendix A), ``tsa`` (POST).
"""

from __future__ import annotations

import base64
import logging
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from ._http import InProcessHttpService

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 64 * 1024


class DevPkiServer(InProcessHttpService):
    label = "dev-pki"

    """Serves the dev PKI in ``root`` at ``url`` (``http://127.0.0.1:PORT/prefix``),
    on that port, while the ``with`` block runs."""

    def __init__(self, root: str | Path, url: str) -> None:
        from archive import devpki
        from archive.pki_services import DevPkiResponder

        parsed = urllib.parse.urlsplit(url)
        if parsed.hostname != "127.0.0.1" or not parsed.port:
            raise ValueError(f"the dev PKI is served on 127.0.0.1 with a port, not {url}")
        self.url = url.rstrip("/")
        self.prefix = parsed.path.rstrip("/")
        self.bind_port = parsed.port
        self.responder = DevPkiResponder(devpki.DevPkiPaths(Path(root), self.url))
        self.requests: list[str] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        """(status, content type, body) for one request."""
        name = path[len(self.prefix) :].lstrip("/") if path.startswith(self.prefix) else ""
        self.requests.append(f"{method} {name.split('/')[0]}")
        if method == "GET" and name == "ca.crt":
            return 200, "application/pkix-cert", self.responder.ca_cert_der()
        if method == "GET" and name == "ca.crl":
            return 200, "application/pkix-crl", self.responder.crl_der()
        if name == "ocsp" and method == "POST":
            return 200, "application/ocsp-response", self.responder.ocsp(body)
        if name.startswith("ocsp/") and method == "GET":
            request = base64.b64decode(urllib.parse.unquote(name[len("ocsp/") :]) + "==")
            return 200, "application/ocsp-response", self.responder.ocsp(request)
        if name == "tsa" and method == "POST":
            return 200, "application/timestamp-reply", self.responder.timestamp(body)
        return 404, "text/plain", b"not found"


def _handler_for(server: DevPkiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _reply(self, method: str, body: bytes = b"") -> None:
            path = urllib.parse.urlsplit(self.path).path
            try:
                status, content_type, payload = server.answer(method, path, body)
            except Exception:  # a bad request must not kill the test's server
                logger.exception("dev PKI could not answer %s %s", method, path)
                status, content_type, payload = 500, "text/plain", b"error"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._reply("GET")

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_REQUEST_BYTES:
                self.send_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._reply("POST", self.rfile.read(length))

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("dev PKI %s: %s", self.address_string(), format % args)

    return Handler
