"""The audit chain's own rules: what an entry's hash covers, how a break is named,
and what a checked head (a checkpoint's) says about truncation, rewinding, deletion
and recomputation. Each stored edit goes past the model (raw SQL), as an attacker
with database access would."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import RequestFactory

from recordpages.models import School
from workflow import audit
from workflow.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def school():
    return School.objects.create(code="THKT", name="Trường Tiểu học Kiểm Tra", place_name="Hà Nội")


@pytest.fixture
def chain(school):
    """Five entries by two actors, with details, in the school's chain."""
    users = get_user_model()
    first = users.objects.create_user(username="gv-kt", password="x", first_name="Nhung")
    second = users.objects.create_user(username="ht-kt", password="x", first_name="Hưng")
    for n in range(5):
        audit.audit_append(
            action="record.edit" if n % 2 else "record.approve",
            school_id=school.pk,
            actor=first if n % 2 else second,
            object_type="lessonplan",
            object_id=100 + n,
            summary=f"sửa lần {n}",
            detail={"version": n, "ghi_chú": "đã duyệt"},
            ip="10.0.0.1",
        )
    return audit.chain_name(school.pk)


def entries(name: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(chain=name).order_by("seq"))


def set_column(entry_id: int, column: str, value) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, entry_id])


def only_break(name: str) -> audit.Break:
    breaks = audit.verify_chains([name])
    assert len(breaks) == 1, breaks
    return breaks[0]


def test_an_intact_chain_verifies_and_links_every_entry(chain):
    stored = entries(chain)
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(stored, stored[1:], strict=False))
    head = AuditChainHead.objects.get(chain=chain)
    assert (head.seq, head.hash) == (5, stored[-1].hash)
    assert audit.verify_chains() == []
    assert audit.verify_all([chain]) == []


def test_the_school_and_system_chains_are_separate(school, chain):
    system_entry = audit.audit_append(action="login.failed", summary="đăng nhập sai")
    assert system_entry.chain == "system" == audit.chain_name(None)
    assert (system_entry.seq, system_entry.prev_hash) == (1, audit.GENESIS)
    assert audit.chain_name(school.pk) == f"school:{school.pk}"
    assert entries(chain)[-1].seq == 5


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("action", "record.delete"),
        ("detail", json.dumps({"version": 2, "ghi_chú": "đã sửa"})),
        ("actor_name", "Người khác"),
        ("summary", "đã bị sửa"),
        ("object_type", "studentrecord"),
        ("object_id", "999"),
        ("ip", "10.9.9.9"),
        ("at", "2020-01-01 00:00:00"),
        ("school_id", None),
    ],
)
def test_the_hash_covers_each_field_so_editing_it_names_the_entry(chain, column, value):
    target = entries(chain)[2]
    set_column(target.pk, column, value)
    broken = only_break(chain)
    assert (broken.chain, broken.seq, broken.entry_id) == (chain, 3, target.pk)
    assert broken.problem == "content does not match its hash"


def test_the_hash_covers_the_actor(chain):
    stored = entries(chain)
    # Entry 3's actor becomes entry 2's, the name left as it was: only actor_id differs.
    set_column(stored[2].pk, "actor_id", stored[1].actor_id)
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (
        3,
        stored[2].pk,
        "content does not match its hash",
    )


def test_the_hash_covers_the_sequence_number_and_the_chain(chain):
    stored = entries(chain)
    set_column(stored[4].pk, "seq", 7)
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (5, stored[4].pk, "entry 5 is missing")
    set_column(stored[4].pk, "seq", 5)
    assert audit.verify_chains([chain]) == []
    AuditEntry.objects.filter(pk=stored[0].pk).update(chain="school:0")
    AuditChainHead.objects.create(chain="school:0", seq=1, hash=stored[0].hash)
    broken = only_break("school:0")
    assert (broken.seq, broken.problem) == (1, "content does not match its hash")


# A link that differs upwards and one that differs downwards (a `!=` turned `>` or `<`).
@pytest.mark.parametrize("changed", ["f" * 64, "0" * 63 + "1"])
def test_a_changed_previous_hash_names_the_entry(chain, changed):
    stored = entries(chain)
    set_column(stored[3].pk, "prev_hash", changed)
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (
        4,
        stored[3].pk,
        "previous-hash link does not match",
    )


def test_the_hash_covers_the_previous_hash_so_an_entry_cannot_be_relinked(chain):
    """Rewrite entry 2 with a correct new hash and point entry 3 at it: entry 3's own
    hash is then wrong, because it covers the previous hash it links to."""
    stored = entries(chain)
    second = stored[1]
    second.summary = "đã bị sửa"
    new_hash = audit._digest(second)
    set_column(second.pk, "summary", "đã bị sửa")
    set_column(second.pk, "hash", new_hash)
    set_column(stored[2].pk, "prev_hash", new_hash)
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (
        3,
        stored[2].pk,
        "content does not match its hash",
    )


def test_the_hash_is_sha256_of_canonical_json(chain):
    entry = entries(chain)[0]
    assert len(entry.hash) == 64 and int(entry.hash, 16) >= 0
    assert audit._digest(entry) == entry.hash
    entry.detail = {"ghi_chú": "đã duyệt", "version": 0}  # key order does not matter
    assert audit._digest(entry) == entry.hash


def test_a_deleted_middle_entry_is_named_missing(chain):
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [stored[1].pk])
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (2, stored[2].pk, "entry 2 is missing")


def test_deleted_last_entries_behind_the_head_are_named(chain):
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [stored[4].pk])
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id) == (5, None)
    assert broken.problem == "the last entries are missing (chain head is ahead)"
    # Same seq, other hash (below and above the real one): the head disagrees.
    for other in ("0" * 64, "f" * 64):
        AuditChainHead.objects.filter(chain=chain).update(seq=4, hash=other)
        assert only_break(chain).seq == 5


# The head's number moved up or down, its hash left as the last entry's (a `!=`
# turned `<` or `>` would see only one direction).
@pytest.mark.parametrize("seq", [4, 6])
def test_a_head_whose_number_alone_was_changed_is_named(chain, seq):
    AuditChainHead.objects.filter(chain=chain).update(seq=seq)
    broken = only_break(chain)
    assert (broken.chain, broken.seq, broken.entry_id) == (chain, 6, None)
    assert broken.problem == "the last entries are missing (chain head is ahead)"


def test_an_entry_inserted_before_the_first_is_named(chain):
    """A forged entry numbered 0, linked to the genesis hash and hashed correctly: the
    break names it, not the genuine first entry after it."""
    first = entries(chain)[0]
    forged = AuditEntry(
        chain=chain,
        seq=0,
        school_id=first.school_id,
        at=first.at,
        action="record.delete",
        summary="chèn vào trước",
        detail={},
        prev_hash=audit.GENESIS,
    )
    forged.hash = audit._digest(forged)
    forged.save()
    broken = only_break(chain)
    assert (broken.seq, broken.entry_id, broken.problem) == (1, forged.pk, "entry 1 is missing")


def test_verifying_every_chain_finds_a_break_in_any_of_them(chain):
    audit.audit_append(action="login.failed")  # the system chain, intact
    target = entries(chain)[1]
    set_column(target.pk, "action", "record.delete")
    assert [(b.chain, b.seq, b.entry_id) for b in audit.verify_chains()] == [(chain, 2, target.pk)]


def test_without_a_checkpoint_a_truncated_and_rewound_chain_passes_its_own_check(chain):
    """Why checkpoints exist: the chain alone cannot see its tail cut off."""
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [stored[3].pk, stored[4].pk])
    AuditChainHead.objects.filter(chain=chain).update(seq=3, hash=stored[2].hash)
    assert audit.verify_chains([chain]) == []


def head_of(name: str) -> audit.ChainHead:
    (head,) = audit.chain_heads([name])
    return head


def test_chain_heads_lists_every_chain_with_seq_hash_and_count(chain):
    audit.audit_append(action="login.failed")
    heads = audit.chain_heads()
    assert [h.chain for h in heads] == sorted([chain, "system"])
    mine = head_of(chain)
    assert (mine.seq, mine.hash, mine.count) == (5, entries(chain)[-1].hash, 5)
    assert [h.chain for h in audit.chain_heads(["system"])] == ["system"]


def test_a_checked_head_names_truncation(chain):
    recorded = head_of(chain)
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [stored[3].pk, stored[4].pk])
    AuditChainHead.objects.filter(chain=chain).update(seq=3, hash=stored[2].hash)
    broken = audit.check_head(recorded)
    assert (broken.kind, broken.chain, broken.seq) == ("truncated", chain, 5)
    assert broken.problem == "2 of the first 5 entries are missing (last entry #3)"


def test_a_checked_head_names_a_head_moved_back(chain):
    recorded = head_of(chain)
    AuditChainHead.objects.filter(chain=chain).update(seq=4, hash=entries(chain)[3].hash)
    broken = audit.check_head(recorded)
    assert (broken.kind, broken.seq, broken.problem) == (
        "rewound",
        5,
        "the head was moved back (head #4)",
    )
    AuditChainHead.objects.filter(chain=chain).delete()
    broken = audit.check_head(recorded)
    assert (broken.kind, broken.problem) == ("rewound", "the head was moved back (head #missing)")


def test_a_checked_head_names_a_deleted_chain(chain):
    recorded = head_of(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s", [chain])
    AuditChainHead.objects.filter(chain=chain).delete()
    broken = audit.check_head(recorded)
    assert (broken.kind, broken.seq, broken.entry_id) == ("deleted", 5, None)
    assert broken.problem == "the chain is gone (it had 5 entries)"
    assert audit.check_head(audit.ChainHead(chain, 0, audit.GENESIS, 0)) is None


def test_a_checked_head_names_a_recomputed_hash(chain):
    recorded = head_of(chain)
    last = entries(chain)[-1]
    for other in ("0" * 64, "f" * 64):  # below and above the checkpointed hash
        set_column(last.pk, "hash", other)
        broken = audit.check_head(recorded)
        assert (broken.kind, broken.seq, broken.entry_id) == ("recomputed", 5, last.pk)
        assert broken.problem == "the hash differs from the checkpoint's"


def test_a_checked_head_passes_while_the_chain_grows(school, chain):
    recorded = head_of(chain)
    audit.audit_append(action="record.edit", school_id=school.pk)
    assert audit.check_head(recorded) is None
    earlier = audit.ChainHead(chain, 3, entries(chain)[2].hash, 3)
    assert audit.check_head(earlier) is None


def test_verify_all_runs_every_registered_anchor_once(chain, monkeypatch):
    monkeypatch.setattr(audit, "_anchors", [])
    calls = []

    def anchor(chains):
        calls.append(chains)
        return [audit.Break("system", 1, None, "anchor found it", "checkpoint")]

    audit.register_anchor(anchor)
    audit.register_anchor(anchor)
    assert audit.verify_all([chain]) == [
        audit.Break("system", 1, None, "anchor found it", "checkpoint")
    ]
    assert calls == [[chain]]


def test_audit_verify_exits_1_naming_the_chain_the_entry_and_the_kind(chain, capsys):
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out
    target = entries(chain)[1]
    set_column(target.pk, "action", "record.delete")
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify", "--chain", chain)
    err = capsys.readouterr().err
    assert f"BROKEN chain {chain} at entry #2 (id {target.pk}): content does not match" in err
    assert "the audit chains are broken" in str(failed.value)


def test_the_actor_and_request_address_are_recorded(school):
    user = get_user_model().objects.create_user(username="u1", password="x", last_name="Lan")
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.7")
    entry = audit.audit_append(
        action="record.sign", school_id=school.pk, actor=user, ip=audit.client_ip(request)
    )
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_name, entry.ip) == (user.pk, "Lan", "192.0.2.7")
    assert audit.client_ip(None) is None
    anonymous = audit.audit_append(action="login.failed", actor=object(), summary="x" * 400)
    anonymous.refresh_from_db()
    assert (anonymous.actor_id, anonymous.actor_name, len(anonymous.summary)) == (None, "", 300)


# An even and an odd first year: `first + 1` is also `first | 1` or `first ^ 1` in one.
@pytest.mark.parametrize("first", [2024, 2025])
def test_export_year_lists_the_years_entries_and_the_chain_verification(school, chain, first):
    from recordpages.models import SchoolYear

    year = SchoolYear.objects.create(
        name=f"{first}-{first + 1}",
        start_date=dt.date(first, 9, 5),
        end_date=dt.date(first + 1, 5, 31),
    )
    AuditEntry.objects.filter(chain=chain, seq=1).update(
        at=dt.datetime(first, 10, 1, 8, 0, tzinfo=dt.UTC)
    )
    AuditEntry.objects.filter(chain=chain, seq=2).update(
        at=dt.datetime(first + 1, 8, 31, 16, 59, 59, tzinfo=dt.UTC)  # 23:59:59 local: the year's
    )
    AuditEntry.objects.filter(chain=chain, seq__gt=2).update(
        at=dt.datetime(first + 1, 8, 31, 17, 0, 0, tzinfo=dt.UTC)  # 1 September, 00:00 local
    )
    listed, verification = audit.export_year(school=school, school_year=year)
    assert [e["seq"] for e in listed] == [1, 2]
    assert listed[0]["action"] == "record.approve" and listed[0]["actor"] == "Hưng"
    assert listed[0]["detail"] == {"version": 0, "ghi_chú": "đã duyệt"}
    assert listed[1]["prev_hash"] == listed[0]["hash"]
    assert verification["chain"] == chain and verification["entries_in_year"] == 2
    # The dates were edited past the model: the whole chain's check names entry 1.
    assert verification["intact"] is False
    assert verification["first_break"]["seq"] == 1


def test_the_hash_is_sha256_of_this_exact_canonical_json(chain):
    """A known answer: chains already stored must keep verifying, so the hash's format
    (fields, UTC time, sorted keys, UTF-8 without escapes, compact separators, the
    genesis link) is a rule, not a detail."""
    import hashlib

    entry = entries(chain)[0]
    payload = {
        "chain": chain,
        "seq": 1,
        "school": entry.school_id,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor_id,
        "actor_name": "Hưng",
        "action": "record.approve",
        "object_type": "lessonplan",
        "object_id": "100",
        "summary": "sửa lần 0",
        "detail": {"version": 0, "ghi_chú": "đã duyệt"},
        "ip": "10.0.0.1",
        "prev": "0" * 64,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert entry.prev_hash == "0" * 64 == audit.GENESIS
    assert entry.hash == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert entry.at.microsecond == 0 and entry.at.tzinfo is not None


def test_a_head_with_no_entries_counts_none_and_is_named_truncated(chain):
    recorded = head_of(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s", [chain])
    assert head_of(chain).count == 0
    broken = audit.check_head(recorded)
    assert (broken.kind, broken.problem) == (
        "truncated",
        "5 of the first 5 entries are missing (last entry #0)",
    )


def test_a_long_chain_verifies_past_small_numbers(school):
    """Sequence numbers past 256 are compared by value (a mutation to `is` fails here)."""
    for _ in range(260):
        audit.audit_append(action="record.view", school_id=school.pk)
    assert audit.verify_chains() == []
    assert audit.check_head(head_of(audit.chain_name(school.pk))) is None


def test_a_break_is_a_value_that_cannot_be_changed():
    import dataclasses

    found = audit.Break("system", 1, None, "x")
    assert found.kind == "link"
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.problem = "nothing"
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.ChainHead("system", 1, "h", 1).seq = 0
