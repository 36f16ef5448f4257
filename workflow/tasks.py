"""Background tasks of the workflow: deliver the e-mails a step sends.

The request that approves, returns or requests a correction builds its
messages (so they say what happened at that moment, even if the record moves
on before the worker runs) and enqueues them; `manage.py db_worker` talks to
the mail server. A server that is down costs the approval nothing: the
messages it refused are tried again later, then logged and dropped.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# subject, body, sender, recipients: JSON-friendly, as a task's arguments must be.
Message = tuple[str, str, str, list[str]]

# Five tries over about half an hour (1, 2, 4, 8, 16 minutes apart), then a logged error.
MAIL_ATTEMPTS = 5
MAIL_BACKOFF = dt.timedelta(minutes=1)


def mail_backoff(attempt: int) -> dt.timedelta:
    """Wait before try number `attempt + 1` (attempt counts from 1)."""
    return MAIL_BACKOFF * 2 ** (attempt - 1)


def mail_deliver(messages: list[Message]) -> list[Message]:
    """Send each message on one connection; return those the server refused.

    One message at a time rather than send_mass_mail: after a failure halfway
    only the unsent ones are retried, so nobody gets the same e-mail twice."""
    failed: list[Message] = []
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except OSError:  # smtplib.SMTPException is an OSError
        logger.warning("Mail server unavailable, %d messages not sent", len(messages))
        return list(messages)
    try:
        for subject, body, sender, recipients in messages:
            email = EmailMessage(subject, body, sender, list(recipients), connection=connection)
            try:
                email.send()
            except OSError:
                logger.warning("Mail to %s not sent", ", ".join(recipients), exc_info=True)
                failed.append((subject, body, sender, list(recipients)))
    finally:
        try:
            connection.close()
        except OSError:
            logger.debug("Closing the mail connection failed", exc_info=True)
    return failed


def mail_enqueue(messages: list[Message], *, attempt: int = 1) -> None:
    """Queue messages for the worker (or, with TASKS_BACKEND=immediate, send them now).

    Never raises: this runs after the change committed, and a queue that cannot
    be written must not turn a good approval into an error page."""
    messages = [m for m in messages if m[3]]
    if not messages:
        return
    try:
        mail_send.enqueue(messages=[list(m) for m in messages], attempt=attempt)
    except Exception:
        logger.exception("Could not queue %d workflow e-mails", len(messages))


@task()
def mail_send(*, messages: list[list], attempt: int = 1) -> int:
    """Send the messages; queue the refused ones again later, up to MAIL_ATTEMPTS tries.

    Returns how many were sent (stored as the task's result)."""
    batch: list[Message] = [(s, b, f, list(to)) for s, b, f, to in messages]
    failed = mail_deliver(batch)
    if failed:
        _retry_later(failed, attempt=attempt)
    return len(batch) - len(failed)


def _retry_later(failed: list[Message], *, attempt: int) -> None:
    backend = mail_send.get_backend()
    if attempt >= MAIL_ATTEMPTS or not backend.supports_defer:
        logger.error(
            "Gave up on %d workflow e-mails after %d attempt(s): %s",
            len(failed),
            attempt,
            "; ".join(", ".join(m[3]) for m in failed),
        )
        return
    run_after = timezone.now() + mail_backoff(attempt)
    mail_send.using(run_after=run_after).enqueue(
        messages=[list(m) for m in failed], attempt=attempt + 1
    )
    logger.warning(
        "%d workflow e-mails queued again for %s (attempt %d)",
        len(failed),
        run_after.isoformat(),
        attempt + 1,
    )
