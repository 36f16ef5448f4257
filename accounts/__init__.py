"""Accounts owns how people get in and stay in (R2): password rules, lockout after
failed logins per account and per address, two-factor authentication (required for
principals, system administrators and superusers), session expiry, resets of a
colleague's password or second factor under separation of duties (only by someone of
higher authority in the school; a principal's by the district office; the owner is
e-mailed), and the checks that refuse uploads that are not what they claim. It
reports what happens through `accounts.signals.security_event`."""
