"""The verification code printed on every archived document and package.

Its own module because both the per-record archiver (archive.services) and the
year package (archive.package) hand one out, and the package must not import the
services that run it.
"""

from __future__ import annotations

import base64
import secrets


def new_verification_code() -> str:
    """Unguessable: the public page shows who signed which record to whoever has it."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")
