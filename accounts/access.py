"""Which URLs open without a full login: the one explicit list (deny by default).

Every view of the installation requires a full login (password, then the second
factor where the account has or needs one, then a new password where an
administrator set a temporary one) unless its resolved view name is listed here.
A new view cannot forget the check: it is not on the list, so it is closed.

- PUBLIC: open to everyone. A session that is logged in but still owes a step is
  served these as an anonymous visitor, so that a password alone never reaches a
  school's data through a public endpoint (the search API answered drafts to a
  principal who had not yet typed the code).
- LOGIN: the login screen and what it loads, open to visitors.
- SIGN_IN: LOGIN and the screens of the second-factor steps.
- PASSWORD_STEP: what a user with a temporary password may still open.

Names are `ResolverMatch.view_name`: `namespace:url_name`, or the dotted path of
the view for an unnamed pattern.
"""

from __future__ import annotations

import enum

from accounts import twofactor
from accounts.conf import accounts_settings
from accounts.services import must_change_password

PUBLIC = frozenset(
    {
        "wagtail_serve",  # the public site: record pages answer 404 unless published
        "wagtail.contrib.sitemaps.views.sitemap",
        "public:search",
        "public:plan_pdf",
        "search:json",  # anonymous visitors get the public scope
        "archive:verify",
        "archive:verify_code",
        # The dev PKI's CRL, OCSP and TSA, public as a CA's are (404 outside dev).
        "pki:ca_certificate",
        "pki:crl",
        "pki:ocsp",
        "pki:ocsp_get",
        "pki:tsa",
    }
)

# The login screen and what it loads: open to a visitor who is not logged in.
LOGIN = frozenset(
    {
        "wagtailadmin_login",
        "wagtailadmin_logout",
        "wagtailadmin_javascript_catalog",
        "wagtailadmin_sprite",
    }
)
SIGN_IN = LOGIN | {"accounts:two_factor_setup", "accounts:two_factor_verify"}

PASSWORD_STEP = SIGN_IN | {"wagtailadmin_account"}


class Step(enum.Enum):
    """What a logged-in session still owes before it counts as a full login."""

    VERIFY_SECOND_FACTOR = "verify"
    ENROL_SECOND_FACTOR = "enrol"
    CHANGE_PASSWORD = "password"


def pending_step(user) -> Step | None:
    """The first step this authenticated user still owes, or None for a full login."""
    if not user.is_verified():
        if twofactor.confirmed_device(user) is not None:
            return Step.VERIFY_SECOND_FACTOR
        if accounts_settings().two_factor_enforced and twofactor.two_factor_required(user):
            return Step.ENROL_SECOND_FACTOR
    if must_change_password(user):
        return Step.CHANGE_PASSWORD
    return None


def opens_during(view_name: str | None, step: Step) -> bool:
    """May a session that owes `step` open this view (other than as anonymous)?"""
    allowed = PASSWORD_STEP if step is Step.CHANGE_PASSWORD else SIGN_IN
    return view_name in allowed


def is_public(view_name: str | None) -> bool:
    return view_name in PUBLIC


def is_open_anonymously(view_name: str | None) -> bool:
    return view_name in PUBLIC or view_name in LOGIN
