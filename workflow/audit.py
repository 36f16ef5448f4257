"""The append-only, hash-chained audit log (R1, R15, R16).

Each school has its own chain (events with no school go to "system"). An entry's
hash covers its content and the previous entry's hash, so any edit, deletion or
insertion is found by `verify_chains()` at the first link it breaks.

A chain checks only itself: whoever can write the database can cut its tail and
move the head back, or rewrite an entry and recompute every later hash. Anchors
catch that: archive writes signed, timestamped checkpoints of every chain head
to write-once storage and registers a check against them (`register_anchor`),
which `verify_all()` runs after the chains' own check. Workflow does not import
archive; archive plugs in here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone

from workflow.models import AuditChainHead, AuditEntry, Correction, RecordState

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


def chain_name(school_id: int | None) -> str:
    return f"school:{school_id}" if school_id else "system"


def _digest(entry: AuditEntry) -> str:
    payload = {
        "chain": entry.chain,
        "seq": entry.seq,
        "school": entry.school_id,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "detail": entry.detail,
        "ip": entry.ip,
        "prev": entry.prev_hash,
    }
    canonical = json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_append(
    *,
    action: str,
    school_id: int | None = None,
    actor=None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    detail: dict | None = None,
    ip: str | None = None,
    savepoint: bool = True,
) -> AuditEntry:
    """Append one entry to its school's chain; the chain head is locked meanwhile.
    `savepoint=False` for a caller whose whole transaction fails with the entry (a
    save that must not happen unlogged): its own savepoint would be two statements
    for nothing. Callers that log a failure and go on keep the savepoint."""
    chain = chain_name(school_id)
    with transaction.atomic(savepoint=savepoint):
        head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:  # the chain's first entry
            AuditChainHead.objects.get_or_create(chain=chain, defaults={"hash": GENESIS})
            head = AuditChainHead.objects.select_for_update().get(chain=chain)
        entry = AuditEntry(
            chain=chain,
            seq=head.seq + 1,
            school_id=school_id,
            at=timezone.now().replace(microsecond=0),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=(actor.get_full_name() or actor.get_username())
            if getattr(actor, "pk", None)
            else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            summary=summary[:300],
            detail=json.loads(json.dumps(detail or {}, default=str)),
            ip=ip,
            prev_hash=head.hash,
        )
        entry.hash = _digest(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class Break:
    chain: str
    seq: int
    entry_id: int | None
    problem: str
    kind: str = "link"  # link, truncated, rewound, deleted, recomputed, checkpoint


@dataclass(frozen=True)
class ChainHead:
    """One chain's last link as a checkpoint records it."""

    chain: str
    seq: int
    hash: str
    count: int


def chain_heads(chains: list[str] | None = None) -> list[ChainHead]:
    """Every chain's head row with its number of entries, by chain name."""
    heads = AuditChainHead.objects.order_by("chain")
    if chains:
        heads = heads.filter(chain__in=chains)
    counts = dict(
        AuditEntry.objects.filter(chain__in=[h.chain for h in heads])
        .values("chain")
        .annotate(n=models.Count("pk"))
        .values_list("chain", "n")
    )
    return [ChainHead(h.chain, h.seq, h.hash, counts.get(h.chain, 0)) for h in heads]


def check_head(expected: ChainHead) -> Break | None:
    """How the chain stands against a head recorded earlier (a checkpoint): its entries
    up to that seq must still be there with the same hash at that seq, and its head row
    must not be behind it. Names the kind of break."""
    name, seq = expected.chain, expected.seq
    head = AuditChainHead.objects.filter(chain=name).first()
    entries = AuditEntry.objects.filter(chain=name)
    if head is None and not entries.exists():
        if seq == 0:
            return None
        return Break(name, seq, None, f"the chain is gone (it had {seq} entries)", "deleted")
    kept = entries.filter(seq__lte=seq).count()
    if kept < seq:
        last = entries.aggregate(last=models.Max("seq"))["last"] or 0
        return Break(
            name,
            seq,
            None,
            f"{seq - kept} of the first {seq} entries are missing (last entry #{last})",
            "truncated",
        )
    if head is None or head.seq < seq:
        at = head.seq if head is not None else "missing"
        return Break(name, seq, None, f"the head was moved back (head #{at})", "rewound")
    if seq:
        entry = entries.get(seq=seq)
        if entry.hash != expected.hash:
            return Break(
                name, seq, entry.pk, "the hash differs from the checkpoint's", "recomputed"
            )
    return None


# Checks against something outside the database (archive's checkpoints); each takes the
# chains asked for (None: all) and names what it finds.
Anchor = Callable[[list[str] | None], list[Break]]
_anchors: list[Anchor] = []


def register_anchor(check: Anchor) -> None:
    if check not in _anchors:
        _anchors.append(check)


def verify_all(chains: list[str] | None = None) -> list[Break]:
    """The chains' own links, then every registered anchor."""
    breaks = verify_chains(chains)
    for check in _anchors:
        breaks.extend(check(chains))
    return breaks


def verify_chains(chains: list[str] | None = None) -> list[Break]:
    """The first broken link of each chain (empty when every chain is intact)."""
    names = chains or list(AuditChainHead.objects.order_by("chain").values_list("chain", flat=True))
    breaks = []
    for name in names:
        problem = _verify_chain(name)
        if problem is not None:
            breaks.append(problem)
    return breaks


def _verify_chain(name: str) -> Break | None:
    previous_hash, expected_seq = GENESIS, 1
    for entry in AuditEntry.objects.filter(chain=name).order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return Break(name, expected_seq, entry.pk, f"entry {expected_seq} is missing")
        if entry.prev_hash != previous_hash:
            return Break(name, entry.seq, entry.pk, "previous-hash link does not match")
        if _digest(entry) != entry.hash:
            return Break(name, entry.seq, entry.pk, "content does not match its hash")
        previous_hash, expected_seq = entry.hash, expected_seq + 1
    head = AuditChainHead.objects.filter(chain=name).first()
    if head is not None and (head.seq != expected_seq - 1 or head.hash != previous_hash):
        return Break(name, expected_seq, None, "the last entries are missing (chain head is ahead)")
    return None


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")


def export_year(*, school, school_year) -> tuple[list[dict], dict]:
    """The school's audit entries of one school year, and the verification of its chain,
    for the year-end package.

    Chosen by the records' school year, not by date: every entry about a record (or a
    correction of one) of that school and year, whenever it was written (a học bạ read
    or corrected years later belongs to its year), plus the school's entries inside
    the year's window that concern no record of another year. The whole chain is
    verified: a year's slice cannot be checked on its own without the links before it."""
    start = timezone.make_aware(dt.datetime.combine(school_year.start_date, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(school_year.end_date, dt.time.max))
    # The school year runs to 31 May; the summer's archiving belongs to it too.
    end = max(end, timezone.make_aware(dt.datetime(school_year.first_year + 1, 8, 31, 23, 59, 59)))
    chain = chain_name(school.pk)
    this_year = _about_records(school=school, same_year=school_year)
    other_years = _about_records(school=school, other_than=school_year)
    chosen = AuditEntry.objects.filter(chain=chain).filter(
        this_year | (models.Q(at__range=(start, end)) & ~other_years)
    )
    entries = [
        {
            "seq": e.seq,
            "at": timezone.localtime(e.at).isoformat(),
            "actor": e.actor_name,
            "action": e.action,
            "object_type": e.object_type,
            "object_id": e.object_id,
            "summary": e.summary,
            "detail": e.detail,
            "ip": e.ip,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in chosen.order_by("seq")
    ]
    broken = _verify_chain(chain)
    verification = {
        "chain": chain,
        "algorithm": "SHA-256 over canonical JSON of each entry and the previous entry's hash",
        "selection": (
            "entries about the school year's records and their corrections, whenever "
            f"written; other entries of the chain from {start.isoformat()} to "
            f"{end.isoformat()}"
        ),
        "entries_in_year": len(entries),
        "intact": broken is None,
        "first_break": None
        if broken is None
        else {"seq": broken.seq, "entry_id": broken.entry_id, "problem": broken.problem},
    }
    return entries, verification


# The audit objects that name a record (its page id) or a correction of one.
RECORD_OBJECT = "record"
CORRECTION_OBJECT = "correction"


def _about_records(*, school, same_year=None, other_than=None) -> models.Q:
    """Entries whose object is a record of the school in (or outside) one year, or a
    correction of such a record; ids compared as the text the entries store."""
    records = RecordState.objects.filter(school=school)
    records = (
        records.filter(school_year=same_year)
        if same_year is not None
        else records.exclude(school_year=other_than)
    )
    as_text = Cast("pk", models.CharField())
    record_ids = records.annotate(text_id=as_text).values("text_id")
    correction_ids = (
        Correction.objects.filter(record__in=records.values("pk"))
        .annotate(text_id=as_text)
        .values("text_id")
    )
    return models.Q(object_type=RECORD_OBJECT, object_id__in=record_ids) | models.Q(
        object_type=CORRECTION_OBJECT, object_id__in=correction_ids
    )
