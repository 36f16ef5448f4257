"""The axes backend, tolerant of callers that authenticate without a request."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses logins of locked accounts and addresses.

    Only requests over the network can be locked out; `authenticate()` without a
    request (the test client's `login()`, a shell) has no address to count and is
    passed on to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
