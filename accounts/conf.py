"""Typed access to the `ACCOUNTS` settings block (cms/settings/base.py, `# --- accounts ---`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class AccountsSettings:
    two_factor_enforced: bool
    two_factor_roles: frozenset[str]
    idle_timeout_seconds: int
    absolute_timeout_seconds: int
    failure_limit_per_account: int
    failure_limit_per_address: int
    trusted_proxy_count: int
    upload_max_bytes: int
    upload_max_unpacked_bytes: int
    upload_max_members: int


def accounts_settings() -> AccountsSettings:
    raw = getattr(settings, "ACCOUNTS", {})
    return AccountsSettings(
        two_factor_enforced=bool(raw.get("TWO_FACTOR_ENFORCED", True)),
        two_factor_roles=frozenset(
            raw.get("TWO_FACTOR_ROLES", ("principal", "sysadmin", "district_office"))
        ),
        idle_timeout_seconds=int(raw.get("IDLE_TIMEOUT_SECONDS", 30 * 60)),
        absolute_timeout_seconds=int(raw.get("ABSOLUTE_TIMEOUT_SECONDS", 8 * 3600)),
        failure_limit_per_account=int(raw.get("FAILURE_LIMIT_PER_ACCOUNT", 5)),
        failure_limit_per_address=int(raw.get("FAILURE_LIMIT_PER_ADDRESS", 30)),
        trusted_proxy_count=int(raw.get("TRUSTED_PROXY_COUNT", 0)),
        upload_max_bytes=int(raw.get("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)),
        upload_max_unpacked_bytes=int(raw.get("UPLOAD_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)),
        upload_max_members=int(raw.get("UPLOAD_MAX_MEMBERS", 5000)),
    )
