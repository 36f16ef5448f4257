"""An HTTP server in a daemon thread of the test process, for services written in
Python (the RFC 3161 TSA, the dev PKI's CRL/OCSP/TSA): no subprocess, real sockets."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from ._base import Service

logger = logging.getLogger(__name__)


class InProcessHttpService(Service):
    """Serves `handler()` on 127.0.0.1 (`bind_port`, 0 for any free port) while the
    ``with`` block runs."""

    label = "HTTP service"
    bind_port = 0

    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return int(self._httpd.server_address[1])

    def start(self) -> Self:
        if self._httpd is None:
            self._httpd = ThreadingHTTPServer(("127.0.0.1", self.bind_port), self.handler())
            self._httpd.daemon_threads = True
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name=f"{self.label}-{self.port}", daemon=True
            )
            self._thread.start()
            logger.info("%s listening on 127.0.0.1:%s", self.label, self.port)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._httpd = None
        self._thread = None
