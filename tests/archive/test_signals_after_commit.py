"""The archive's receiver runs after the workflow committed: it never raises."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from django.db import DatabaseError

from archive import services, signals


def test_a_failure_to_queue_the_freeze_is_logged_not_raised(monkeypatch, caplog):
    def broken(**kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(services, "should_freeze", lambda record, target: True)
    monkeypatch.setattr(services, "freeze_enqueue", broken)
    record = SimpleNamespace(pk=42)
    with caplog.at_level(logging.ERROR, logger="archive.signals"):
        signals.on_record_transitioned(None, record_state=record, target="approved")
    assert "Could not queue the archive work of page 42" in caplog.text
