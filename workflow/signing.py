"""The door through which a step that carries a signature gets it made (issue 13).

`TakeStep` knows that a step carries a signature step (recordpages.chains) and whose
turn it is; it does not know keys, certificates or PDFs. The `signatures` app registers
the one maker at start-up; the maker signs (or records the step of a person without a
certificate) inside the step's transaction, or refuses with a Vietnamese reason, and
then nothing of the step stands. Without a maker a signature step is refused: a
deployment that forgot the app must not approve unsigned what should be signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from recordpages.chains import SignatureStep
from recordpages.registry import Step


class SignatureRefused(Exception):
    """The signature cannot be made; the message is for the user, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SignatureRequest:
    record: Any  # workflow.models.RecordState, locked for the step
    page: Any  # the record's specific page
    step: Step
    signature: SignatureStep
    user: Any
    version: int  # the record version the document is for
    now: dt.datetime
    request: Any = None
    # What the signer's own device returned, when the signature was made off the
    # server (signatures.deferred): the caller's payload, opaque here.
    payload: Any = None


Maker = Callable[[SignatureRequest], None]
_maker: Maker | None = None


def register(maker: Maker) -> None:
    global _maker
    _maker = maker


def make(request: SignatureRequest) -> None:
    if _maker is None:
        raise SignatureRefused(_("Hệ thống chưa cấu hình ký số: chưa thể thực hiện bước này."))
    _maker(request)
