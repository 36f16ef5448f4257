"""A raw HTTP client for the agent: Host and Origin are set exactly as a test says,
which a browser or `requests` would not let a test do."""

from __future__ import annotations

import http.client
import json
from typing import Any

ORIGIN = "https://hoso.pgd.example.vn"


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    origin: str | None = ORIGIN,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], Any]:
    """(status, lower-cased headers, parsed JSON body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = {"Host": host or f"127.0.0.1:{port}"}
    if origin is not None:
        sent["Origin"] = origin
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    sent.update(headers or {})
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in sent.items():
        conn.putheader(name, value)
    if data is not None and "Content-Length" not in sent:
        conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    parsed = json.loads(payload) if payload else None
    return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
