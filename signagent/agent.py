"""What the agent does, apart from HTTP: report the token, list its certificates, and
sign a checked batch with one PIN prompt after showing the signer what is in it."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, Protocol

from . import AGENT_NAME, PROTOCOL, __version__, messages
from .batch import CheckedItem, ItemRefused, Result, SignRequest, check_item, printable
from .pin import PinCancelled, PinSource
from .token import TokenCertificate, TokenError, TokenStatus

logger = logging.getLogger(__name__)


class Token(Protocol):
    def status(self) -> TokenStatus: ...

    def certificates(self) -> list[TokenCertificate]: ...

    def sign(
        self,
        *,
        certificate: TokenCertificate,
        chain: list[TokenCertificate],
        digest_algorithm: str,
        items: list[CheckedItem],
        pin: str,
    ) -> list[Result]: ...


class Busy(Exception):
    """Another batch is being signed: a second PIN prompt would confuse the signer."""


def _to_terminal(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Agent:
    def __init__(
        self,
        *,
        token: Token,
        pin_source: PinSource,
        display: Callable[[str], None] = _to_terminal,
    ) -> None:
        self.token = token
        self.pin_source = pin_source
        self.display = display
        self._batch = threading.Lock()

    def status(self) -> dict[str, Any]:
        status = self.token.status()
        return {
            "agent": AGENT_NAME,
            "version": __version__,
            "protocol": PROTOCOL,
            "token": {"label": status.label, "present": status.present},
        }

    def certificates(self) -> dict[str, Any]:
        # CA certificates on the token are the chain, not something a person signs with.
        found = [c for c in self.token.certificates() if not c.is_ca]
        return {"certificates": [c.as_json() for c in found]}

    def sign(self, request: SignRequest, *, origin: str) -> dict[str, Any]:
        if not self._batch.acquire(blocking=False):
            raise Busy
        try:
            results = self._sign(request, origin=origin)
        finally:
            self._batch.release()
        return {"results": [r.as_json() for r in results]}

    def _sign(self, request: SignRequest, *, origin: str) -> list[Result]:
        try:
            on_token = self.token.certificates()
        except TokenError as exc:
            return [Result(id=item.id, error=exc.message) for item in request.items]
        certificate = next((c for c in on_token if c.id == request.certificate_id), None)
        if certificate is None:
            return [Result(id=i.id, error=messages.CERTIFICATE_UNKNOWN) for i in request.items]

        results: dict[str, Result] = {}
        ready: list[CheckedItem] = []
        for item in request.items:
            try:
                ready.append(
                    check_item(
                        item,
                        digest_algorithm=request.digest_algorithm,
                        certificate_der=certificate.der,
                    )
                )
            except ItemRefused as refused:
                logger.info("item %s refused before signing: %s", item.id, refused.message)
                results[item.id] = Result(id=item.id, error=refused.message)

        if ready:
            for result in self._sign_ready(ready, certificate, on_token, request, origin):
                results[result.id] = result
        return [results[item.id] for item in request.items]

    def _sign_ready(
        self,
        ready: list[CheckedItem],
        certificate: TokenCertificate,
        on_token: list[TokenCertificate],
        request: SignRequest,
        origin: str,
    ) -> list[Result]:
        self.show(ready, certificate=certificate, origin=origin)
        try:
            pin = self.pin_source(messages.PIN_PROMPT.format(count=len(ready)), len(ready))
        except PinCancelled:
            return [Result(id=item.id, error=messages.PIN_CANCELLED) for item in ready]
        chain = [c for c in on_token if c.is_ca]
        try:
            results = self.token.sign(
                certificate=certificate,
                chain=chain,
                digest_algorithm=request.digest_algorithm,
                items=ready,
                pin=pin,
            )
        except TokenError as exc:
            logger.warning("batch of %d not signed: %s", len(ready), exc.message)
            return [Result(id=item.id, error=exc.message) for item in ready]
        finally:
            del pin
        signed = sum(1 for r in results if r.cms is not None)
        logger.info("batch from %s: %d of %d signed", origin, signed, len(ready))
        return results

    def show(self, items: list[CheckedItem], *, certificate: TokenCertificate, origin: str) -> None:
        """What is about to be signed, on the agent's terminal and in its log."""
        subject = certificate.parsed.subject.rfc4514_string()
        lines = [
            messages.BATCH_HEADER.format(
                origin=origin, count=len(items), certificate=printable(subject)
            )
        ]
        lines += [
            messages.BATCH_LINE.format(number=n, title=item.title, digest=item.digest_hex)
            for n, item in enumerate(items, start=1)
        ]
        self.display("\n".join(lines))
        logger.info("about to sign %d item(s) for %s with %s", len(items), origin, certificate.id)
