"""Session expiry (R2): an idle timeout and an absolute age, whatever the cookie says.

The cookie's own expiry depends on "remember me"; these limits hold in every case
and live in the session itself, so every gunicorn worker and host sees them.
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from accounts.conf import accounts_settings

LOGIN_AT = "accounts.login_at"
SEEN_AT = "accounts.seen_at"
# Writing the session on every request would cost a database write each time;
# the last-seen stamp moves at most once a minute.
_SEEN_RESOLUTION = 60


def session_start(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now


def session_expired_reason(request: HttpRequest, *, now: float | None = None) -> str | None:
    """'idle' or 'absolute' if the logged-in session is past a limit, else None."""
    conf = accounts_settings()
    now = now if now is not None else time.time()
    login_at = request.session.get(LOGIN_AT)
    seen_at = request.session.get(SEEN_AT)
    if login_at is None or seen_at is None:
        # A session from before these limits (or a forced login in a test): start counting.
        session_start(request)
        return None
    if now - login_at > conf.absolute_timeout_seconds:
        return "absolute"
    if now - seen_at > conf.idle_timeout_seconds:
        return "idle"
    if now - seen_at >= _SEEN_RESOLUTION:
        request.session[SEEN_AT] = int(now)
    return None
