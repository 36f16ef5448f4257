"""The agent in this process, with a token that signs nothing real: for the HTTP,
origin and PIN rules, which do not depend on PKCS#11."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from signagent import messages
from signagent.agent import Agent
from signagent.batch import CheckedItem, Result
from signagent.server import AgentHTTPServer, Settings
from signagent.token import TokenCertificate, TokenError, TokenStatus

from .client import ORIGIN, call

PIN = "123456"


@dataclass
class FakeToken:
    certificate: TokenCertificate
    signed: list[str] = field(default_factory=list)
    pins: list[str] = field(default_factory=list)

    def status(self) -> TokenStatus:
        return TokenStatus(label="GV-Lan", present=True)

    def certificates(self) -> list[TokenCertificate]:
        return [self.certificate]

    def sign(
        self,
        *,
        certificate: TokenCertificate,
        chain: list[TokenCertificate],
        digest_algorithm: str,
        items: list[CheckedItem],
        pin: str,
    ) -> list[Result]:
        self.pins.append(pin)
        if pin != PIN:
            raise TokenError(messages.PIN_INCORRECT)
        self.signed += [item.id for item in items]
        return [Result(id=item.id, cms=b"cms:" + item.id.encode()) for item in items]


@dataclass
class Prompts:
    """A PIN source that records each prompt and answers from ``answers`` (or PIN)."""

    answers: list[str] = field(default_factory=list)
    asked: list[tuple[str, int]] = field(default_factory=list)
    hold: threading.Event | None = None

    def __call__(self, prompt: str, count: int) -> str:
        self.asked.append((prompt, count))
        if self.hold is not None:
            self.hold.wait(10)
        return self.answers.pop(0) if self.answers else PIN


@dataclass
class Running:
    port: int
    token: FakeToken
    prompts: Prompts
    shown: list[str]

    def request(self, method: str, path: str, body: Any = None, **options: Any) -> Any:
        return call(self.port, method, path, body, **options)


@contextmanager
def running_agent(certificate: TokenCertificate, prompts: Any = None) -> Iterator[Running]:
    """``prompts``: a Prompts recorder (the default) or any PIN source."""
    token = FakeToken(certificate)
    prompts = prompts or Prompts()
    shown: list[str] = []
    agent = Agent(token=token, pin_source=prompts, display=shown.append)
    server = AgentHTTPServer(Settings(origins=frozenset({ORIGIN}), port=0), agent)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield Running(port=server.settings.port, token=token, prompts=prompts, shown=shown)
    finally:
        server.shutdown()
        server.server_close()
