"""The one content hash of an approved version, and its re-check (R5, R15).

What a reviewer approved is a Wagtail revision; its hash is computed here and
nowhere else, stored on the record and on each RecordVersion, printed into the
archived PDF, and recomputed from the pinned revision by `verify_pinned` (the
sanity check `manage.py versions_verify`; the archive refuses to freeze a version
whose pinned content no longer matches).
"""

from __future__ import annotations

import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from wagtail.models import Revision

# Wagtail's own bookkeeping in revision content: not part of what was approved.
VOLATILE_KEYS = frozenset(
    {
        "pk",
        "id",
        "live",
        "has_unpublished_changes",
        "latest_revision",
        "latest_revision_created_at",
        "live_revision",
        "first_published_at",
        "last_published_at",
        "locked",
        "locked_at",
        "locked_by",
        "draft_title",
        "path",
        "depth",
        "numchild",
        "url_path",
        "owner",
        "content_type",
        "translation_key",
        "locale",
        "alias_of",
        "go_live_at",
        "expire_at",
        "expired",
        "wagtail_admin_comments",
        "comments",
    }
)


def content_hash(revision: Revision) -> str:
    """SHA-256 of what a reviewer approved: the revision's content without bookkeeping."""
    content = {k: v for k, v in revision.content.items() if k not in VOLATILE_KEYS}
    # As stored: a revision just saved holds Python values (datetimes, decimals) that
    # its JSON column writes as text; hashing the stored form makes the revision in
    # memory and the one read back from either database hash alike.
    stored = json.loads(json.dumps(content, cls=DjangoJSONEncoder))
    canonical = json.dumps(stored, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def verify_pinned(record) -> list[str]:
    """Recompute every stored hash of a record from its pinned revisions; English
    descriptions of each mismatch (empty when all agree)."""
    problems = []
    if record.approved_revision_id and record.approved_hash:
        computed = content_hash(record.approved_revision)
        if computed != record.approved_hash:
            problems.append(
                f"record {record.pk}: stored hash {record.approved_hash}, computed {computed}"
            )
    for version in record.versions.select_related("revision"):
        computed = content_hash(version.revision)
        if computed != version.content_hash:
            problems.append(
                f"record {record.pk} v{version.number}: stored hash {version.content_hash}, "
                f"computed {computed}"
            )
    return problems
