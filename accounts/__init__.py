"""Accounts owns how people get in and stay in (R2): password rules, lockout after
failed logins per account and per address, two-factor authentication (required for
principals, system administrators and superusers), session expiry, password reset
by a school administrator only, and the checks that refuse uploads that are not
what they claim. It reports what happens through `accounts.signals.security_event`."""
