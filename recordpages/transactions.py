"""A memo that holds while the current transaction is open (issue 18: what a save reads
or queues once, however many times Wagtail's editor saves within one request)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import transaction


def _nothing() -> None:
    """The default stand-in: nothing to do once the transaction commits."""


def open_transaction_token(then: Callable[[], None] = _nothing) -> object | None:
    """A token registered in the open transaction's on_commit list (`then` runs at
    commit), or None outside a transaction. A fresh object each call: found by
    identity, so a rolled-back savepoint or transaction drops exactly its own."""
    if not transaction.get_connection().in_atomic_block:
        return None
    token = functools.partial(then)
    transaction.on_commit(token)
    return token


def still_open(token) -> bool:
    """Whether the transaction that issued `token` is still open (neither committed
    nor rolled back)."""
    pending = transaction.get_connection().run_on_commit
    return token is not None and any(entry[1] is token for entry in pending)
