"""A local RFC 3161 time-stamping authority over HTTP, for PAdES B-T tests.

Why in-process: there is no Debian or Maven package that is a ready TSA, and pyHanko's
``DummyTimeStamper`` already builds correct RFC 3161 tokens; serving it over real HTTP
(``ThreadingHTTPServer`` in a daemon thread) exercises the application's real TSA client
path (``TSA_URL``, HTTP POST, content types) without a subprocess.

Inputs are file paths, each PEM or DER (detected from the content):

- ``cert``: the TSA certificate. Validators require extendedKeyUsage ``timeStamping``
  marked critical (RFC 3161 §2.3).
- ``key``: its private key, unencrypted or with ``key_passphrase``. It must be RSA:
  ``DummyTimeStamper`` signs with RSA PKCS#1 v1.5 only.
- ``chain``: certificates to embed in every token (intermediates, optionally the root), so
  a validator can build the path from its own trust roots.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from os import PathLike

from asn1crypto import core, tsp, x509
from pyhanko.keys import load_cert_from_pemder, load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ._http import InProcessHttpService

logger = logging.getLogger(__name__)

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_REQUEST_BYTES = 64 * 1024

StrPath = str | PathLike[str]


class TimestampServer(InProcessHttpService):
    label = "tsa"
    """RFC 3161 TSA on ``http://127.0.0.1:PORT/`` (any path) while the ``with`` block runs."""

    def __init__(
        self,
        cert: StrPath,
        key: StrPath,
        chain: Sequence[StrPath] = (),
        key_passphrase: bytes | None = None,
        fixed_time: datetime | None = None,
    ) -> None:
        tsa_cert: x509.Certificate = load_cert_from_pemder(cert)  # type: ignore[no-untyped-call]
        tsa_key = load_private_key_from_pemder(key, passphrase=key_passphrase)
        if tsa_key.algorithm != "rsa":
            raise ValueError(
                f"the TSA key must be RSA (DummyTimeStamper limitation), got {tsa_key.algorithm}"
            )
        chain_certs = SimpleCertificateStore.from_certs(
            load_certs_from_pemder(list(chain))  # type: ignore[no-untyped-call]
        )
        self.stamper = DummyTimeStamper(
            tsa_cert=tsa_cert,
            tsa_key=tsa_key,
            certs_to_embed=chain_certs,
            fixed_dt=fixed_time,
        )
        self.request_count = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    def respond(self, body: bytes) -> bytes:
        """Answer one DER-encoded TimeStampReq with a DER-encoded TimeStampResp."""
        try:
            request = tsp.TimeStampReq.load(body)
            _ = request.native  # parse fully now: asn1crypto parses lazily
        except (ValueError, TypeError) as exc:
            logger.debug("rejecting malformed time-stamp request: %s", exc)
            return bytes(_rejection("bad_data_format").dump())
        with self._lock:
            self.request_count += 1
        return bytes(self.stamper.request_tsa_response(request).dump())


class _RejectionResp(core.Sequence):  # type: ignore[misc]
    """TimeStampResp without its optional token (asn1crypto's class insists on one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _rejection(fail_info: str) -> _RejectionResp:
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "fail_info": tsp.PKIFailureInfo({fail_info})}
    )
    return _RejectionResp({"status": status})


def _handler_for(server: TimestampServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server naming
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != QUERY_TYPE:
                self._send(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    b"expected " + QUERY_TYPE.encode(),
                    "text/plain",
                )
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_REQUEST_BYTES:
                self._send(HTTPStatus.BAD_REQUEST, b"missing or oversized body", "text/plain")
                return
            self._send(HTTPStatus.OK, server.respond(self.rfile.read(length)), REPLY_TYPE)

        def do_GET(self) -> None:  # noqa: N802
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"POST an RFC 3161 request", "text/plain")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == HTTPStatus.METHOD_NOT_ALLOWED:
                self.send_header("Allow", "POST")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            logger.debug("TSA %s: %s", self.address_string(), format % args)

    return Handler
