"""Signed, timestamped checkpoints of the audit chain heads (R1, R15, R16).

A hash chain proves only that it agrees with itself: whoever can write the database
can cut its tail and move the head back, delete a chain with its head, or rewrite an
entry and recompute every later hash. A checkpoint anchors the chains outside the
database: canonical JSON of every chain head (name, seq, hash, number of entries),
signed (CMS SignedData, CAdES) with the school's key (the installation's key for the
checkpoint of all chains, which covers "system" too), timestamped by the TSA when
TSA_URL is set, and written once to the object store (write-once keys; S3 Object Lock).

Made daily (`audit_checkpoint`, run by the archive worker's sweep) and for each
year-end package, which carries every checkpoint of its school. `verify` reads the
store, not the index rows, and is registered with workflow.audit as an anchor, so
`audit_verify` runs it without workflow importing archive.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import unicodedata
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from archive import signing, storage
from archive.models import AuditCheckpoint, CheckpointReason
from workflow import audit

logger = logging.getLogger(__name__)

PREFIX = "audit-checkpoints/"
SUFFIX = ".p7m"
FORMAT = "hoso.audit-checkpoint/1"
ALL = "all"


@dataclass(frozen=True)
class Scope:
    """What one checkpoint covers and whose key signs it."""

    name: str  # "school:<id>" or "all"
    school: object | None  # recordpages.School, None for all chains

    @property
    def folder(self) -> str:
        return f"{PREFIX}schools/{self.school.code}/" if self.school else f"{PREFIX}{ALL}/"

    @property
    def signer(self):
        return self.school or signing.Installation()


def school_scope(school) -> Scope:
    return Scope(audit.chain_name(school.pk), school)


def _scopes() -> list[Scope]:
    """Every school that has a chain, then all chains (which include "system")."""
    from recordpages.models import School

    ids = [
        int(h.chain.split(":", 1)[1]) for h in audit.chain_heads() if h.chain.startswith("school:")
    ]
    schools = School.objects.filter(pk__in=ids).order_by("code")
    return [*(school_scope(s) for s in schools), Scope(ALL, None)]


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def _payload(scope: Scope, *, reason: str, now: dt.datetime) -> dict:
    chains = [scope.name] if scope.school else None
    heads = [asdict(h) for h in audit.chain_heads(chains)]
    school = scope.school
    return {
        "format": FORMAT,
        "scope": scope.name,
        "school": {"id": school.pk, "code": school.code, "name": school.name} if school else None,
        "reason": reason,
        "made_at": now.astimezone(dt.UTC).isoformat(),
        "made_on": timezone.localdate(now).isoformat(),
        # Signed, so a checkpoint made with a TSA cannot pass later without its timestamp.
        "tsa": bool(settings.SIGNING.get("TSA_URL")),
        "heads": heads,
    }


def checkpoint_make(
    scope: Scope, *, reason: str, key: str, now: dt.datetime | None = None
) -> AuditCheckpoint:
    """Sign the scope's chain heads and write them once under `key`. Idempotent: when
    the key is already stored (a re-run, or a crash before the row), the stored object
    is indexed instead. Raises SigningUnavailable / StorageUnavailable to retry later."""
    existing = AuditCheckpoint.objects.filter(key=key).first()
    if existing is not None:
        return existing
    now = now or timezone.now().replace(microsecond=0)
    payload = _payload(scope, reason=reason, now=now)
    signed = signing.sign_data(canonical(payload), school=scope.signer)
    store = storage.get_store()
    try:
        put = store.put(key, signed.cms, content_type="application/pkcs7-mime")
        data, version_id, retain_until = signed.cms, put.version_id, put.retain_until
    except storage.ObjectExists:
        data, version_id, retain_until = store.get(key), "", None
        content, report = signing.open_signed_data(data)
        payload = json.loads(content or b"{}") or payload
        signed = signing.SignedData(data, report.signer, bool(report.timestamp_at))
        logger.info("Audit checkpoint %s was already stored: indexed", key)
    try:
        with transaction.atomic():
            row, _ = AuditCheckpoint.objects.get_or_create(
                key=key,
                defaults={
                    "scope": scope.name,
                    "school": scope.school,
                    "reason": reason,
                    "made_on": dt.date.fromisoformat(payload["made_on"]),
                    "made_at": dt.datetime.fromisoformat(payload["made_at"]),
                    "heads": payload["heads"],
                    "storage_version_id": version_id,
                    "retain_until": retain_until,
                    "sha256": storage.sha256(data),
                    "signer": signed.signer,
                    "timestamped": signed.timestamped,
                },
            )
    except IntegrityError:  # another worker indexed today's checkpoint of this scope
        row = AuditCheckpoint.objects.get(
            scope=scope.name, made_on=payload["made_on"], reason=CheckpointReason.DAILY
        )
    logger.info("Audit checkpoint %s: %d chain head(s)", key, len(payload["heads"]))
    return row


def checkpoints_daily(*, today: dt.date | None = None) -> list[AuditCheckpoint]:
    """Today's checkpoint of every school's chain and of all chains, each made once
    a day (the key is the date: a second run, on any host, finds it)."""
    today = today or timezone.localdate()
    made = []
    failed: list[Exception] = []
    for scope in _scopes():
        key = f"{scope.folder}{today.isoformat()}-daily{SUFFIX}"
        if AuditCheckpoint.objects.filter(
            scope=scope.name, made_on=today, reason=CheckpointReason.DAILY
        ).exists():
            continue
        try:
            made.append(checkpoint_make(scope, reason=CheckpointReason.DAILY, key=key))
        except (signing.SigningUnavailable, storage.StorageUnavailable) as exc:
            # One school's missing key must not leave the other schools unanchored.
            logger.warning("Audit checkpoint of %s not made: %s", scope.name, exc)
            failed.append(exc)
    if failed:
        raise failed[0]
    return made


def checkpoint_for_package(*, school, school_year, job_id: int) -> AuditCheckpoint:
    """The school's checkpoint for one year-end package job (once per job)."""
    scope = school_scope(school)
    key = f"{scope.folder}package-{school_year.name}-job{job_id}{SUFFIX}"
    return checkpoint_make(scope, reason=CheckpointReason.PACKAGE, key=key)


def _name(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").casefold().strip()


def read_checkpoint(data: bytes, key: str) -> tuple[dict | None, str | None]:
    """(payload, None) for a checkpoint whose signature, timestamp and signer hold;
    (payload or None, what is wrong) otherwise."""
    content, report = signing.open_signed_data(data)
    try:
        payload = json.loads(content)
        scope = payload["scope"]
        heads = [audit.ChainHead(**h) for h in payload["heads"]]
    except (ValueError, KeyError, TypeError):
        return None, f"checkpoint {key} is unreadable ({'; '.join(report.errors)})"
    if not (report.signed and report.intact and report.valid):
        return payload, f"checkpoint {key}: the signature does not verify"
    if not report.trusted:
        return payload, f"checkpoint {key}: the signer's certificate is not trusted"
    if report.timestamp_trusted is False:
        return payload, f"checkpoint {key}: the timestamp does not verify"
    if payload.get("tsa") and report.timestamp_at is None:
        return payload, f"checkpoint {key}: the TSA timestamp is missing"
    # A school's key vouches only for its own chain; all chains need the installation's.
    if scope == ALL:
        expected = signing.INSTALLATION_NAME
        allowed = None
    else:
        expected = (payload.get("school") or {}).get("name", "")
        allowed = {scope}
    if _name(report.signer) != _name(expected):
        return payload, f"checkpoint {key}: signed by {report.signer}, not by {expected}"
    if allowed is not None and any(h.chain not in allowed for h in heads):
        return payload, f"checkpoint {key}: holds chains outside its scope {scope}"
    return payload, None


def stored_keys(folder: str = PREFIX) -> list[str]:
    return sorted(k for k in storage.get_store().keys(folder) if k.endswith(SUFFIX))


def verify(chains: list[str] | None = None) -> list[audit.Break]:
    """Every checkpoint in the store, and every chain against each checkpointed head
    (latest first; one break per chain and kind). Also names indexed checkpoints that
    are missing from the store. Registered with workflow.audit as an anchor."""
    store = storage.get_store()
    try:
        keys = stored_keys()
    except storage.StorageUnavailable as exc:
        problem = f"the object store cannot be read, no checkpoint was checked: {exc}"
        return [audit.Break(ALL, 0, None, problem, "checkpoint")]
    breaks: list[audit.Break] = []
    present = set(keys)
    for row in AuditCheckpoint.objects.order_by("made_at", "pk"):
        if row.key not in present and (not chains or row.scope == ALL or row.scope in chains):
            breaks.append(
                audit.Break(
                    row.scope, 0, None, f"checkpoint {row.key} is missing from the store", "missing"
                )
            )
    checkpoints: list[tuple[str, str, dict]] = []
    for key in keys:
        payload, problem = read_checkpoint(store.get(key), key)
        if problem is not None:
            scope = (payload or {}).get("scope", key)
            if not chains or scope == ALL or scope in chains or payload is None:
                breaks.append(audit.Break(scope, 0, None, problem, "checkpoint"))
            continue
        checkpoints.append((payload["made_at"], key, payload))
    checkpoints.sort(key=lambda item: (item[0], item[1]), reverse=True)
    seen_heads: set[tuple[str, int, str]] = set()
    seen_breaks: set[tuple[str, str]] = set()
    for _made_at, key, payload in checkpoints:
        for head in payload["heads"]:
            expected = audit.ChainHead(**head)
            if chains and expected.chain not in chains:
                continue
            if (expected.chain, expected.seq, expected.hash) in seen_heads:
                continue
            seen_heads.add((expected.chain, expected.seq, expected.hash))
            found = audit.check_head(expected)
            if found is None or (found.chain, found.kind) in seen_breaks:
                continue
            seen_breaks.add((found.chain, found.kind))
            breaks.append(
                audit.Break(
                    found.chain,
                    found.seq,
                    found.entry_id,
                    f"{found.problem}; checkpoint {key} of {payload['made_at']} "
                    f"recorded #{expected.seq} {expected.hash[:16]}…",
                    found.kind,
                )
            )
    return breaks


def package_files(school) -> tuple[dict[str, bytes], list[dict]]:
    """Every stored checkpoint of the school for its year package: the signed object as
    stored and its JSON for reading, listed with their checks."""
    store = storage.get_store()
    files: dict[str, bytes] = {}
    listed = []
    for key in stored_keys(school_scope(school).folder):
        data = store.get(key)
        payload, problem = read_checkpoint(data, key)
        name = key.rsplit("/", 1)[1].removesuffix(SUFFIX)
        signed_path = f"audit/checkpoints/{name}{SUFFIX}"
        files[signed_path] = data
        content, _ = signing.open_signed_data(data)
        files[f"audit/checkpoints/{name}.json"] = content
        listed.append(
            {
                "path": f"data/{signed_path}",
                "json_path": f"data/audit/checkpoints/{name}.json",
                "storage_key": key,
                "made_at": (payload or {}).get("made_at"),
                "reason": (payload or {}).get("reason"),
                "heads": (payload or {}).get("heads"),
                "sha256": storage.sha256(data),
                "verified": problem is None,
                "problem": problem,
                "format": "application/pkcs7-mime; CMS SignedData (CAdES) of canonical JSON",
            }
        )
    return files, listed
