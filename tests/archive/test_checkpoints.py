"""Signed checkpoints of the audit chain heads: the attacks a chain cannot see on its
own (a tail cut off and the head moved back, a chain deleted with its head, an entry
edited and every later hash recomputed) are named by audit_verify once a checkpoint
exists; forged and missing checkpoints are named too; the year package carries them."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from archive import checkpoints, devpki, signing, storage
from archive.models import AuditCheckpoint
from recordpages.models import School
from workflow import audit
from workflow.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def school():
    return School.objects.create(code="THCP", name="Trường Tiểu học Cột Mốc", place_name="Hà Nội")


@pytest.fixture
def chain(school):
    for n in range(5):
        audit.audit_append(
            action="record.edit", school_id=school.pk, summary=f"sửa lần {n}", detail={"n": n}
        )
    audit.audit_append(action="login.failed", summary="đăng nhập sai")  # the system chain
    return audit.chain_name(school.pk)


def entries(name: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(chain=name).order_by("seq"))


def verify_fails(capsys) -> str:
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify")
    assert "the audit chains are broken" in str(failed.value)
    return capsys.readouterr().err


def test_the_daily_checkpoint_is_made_once_a_day_for_each_school_and_all_chains(
    school, chain, capsys
):
    call_command("audit_checkpoint")
    call_command("audit_checkpoint")
    out = capsys.readouterr().out
    assert "2 checkpoint(s) made today." in out and "0 checkpoint(s) made today." in out
    rows = list(AuditCheckpoint.objects.order_by("scope"))
    assert [(r.scope, r.reason) for r in rows] == [("all", "daily"), (chain, "daily")]
    by_scope = {r.scope: r for r in rows}
    assert by_scope[chain].heads == [
        {"chain": chain, "seq": 5, "hash": entries(chain)[-1].hash, "count": 5}
    ]
    assert [h["chain"] for h in by_scope["all"].heads] == sorted([chain, "system"])
    assert by_scope[chain].signer == school.name
    assert by_scope["all"].signer == signing.INSTALLATION_NAME
    store = storage.get_store()
    for row in rows:
        assert storage.sha256(store.get(row.key)) == row.sha256
        payload, problem = checkpoints.read_checkpoint(store.get(row.key), row.key)
        assert problem is None and payload["heads"] == row.heads
    assert checkpoints.stored_keys() == sorted(r.key for r in rows)
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out


def test_a_checkpoint_is_never_overwritten(school, chain):
    (row, *_) = checkpoints.checkpoints_daily()
    with pytest.raises(storage.ObjectExists):
        storage.get_store().put(row.key, b"forged", content_type="application/pkcs7-mime")
    # Made again (the row lost, say): the stored object is indexed, not replaced.
    AuditCheckpoint.objects.all().delete()
    again = checkpoints.checkpoint_make(
        checkpoints.school_scope(school), reason="daily", key=row.key
    )
    assert (again.sha256, again.heads) == (row.sha256, row.heads)


def test_truncating_a_chain_and_rewinding_its_head_is_named(chain, capsys):
    checkpoints.checkpoints_daily()
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [stored[3].pk, stored[4].pk])
    AuditChainHead.objects.filter(chain=chain).update(seq=3, hash=stored[2].hash)
    assert audit.verify_chains() == []  # the chain alone cannot see it
    err = verify_fails(capsys)
    assert f"BROKEN chain {chain} at entry #5: TRUNCATED: 2 of the first 5 entries" in err


def test_moving_the_head_back_is_named(chain, capsys):
    checkpoints.checkpoints_daily()
    stored = entries(chain)
    AuditChainHead.objects.filter(chain=chain).update(seq=3, hash=stored[2].hash)
    err = verify_fails(capsys)
    assert f"BROKEN chain {chain} at entry #5: REWOUND: the head was moved back (head #3)" in err


def test_deleting_a_whole_chain_with_its_head_is_named(chain, capsys):
    checkpoints.checkpoints_daily()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE chain = %s", [chain])
    AuditChainHead.objects.filter(chain=chain).delete()
    assert audit.verify_chains() == []  # the chain alone cannot see it
    err = verify_fails(capsys)
    assert f"BROKEN chain {chain} at entry #5: DELETED: the chain is gone (it had 5 entries)" in err


def test_editing_an_entry_and_recomputing_every_later_hash_is_named(chain, capsys):
    checkpoints.checkpoints_daily()
    previous = None
    for entry in entries(chain):
        if entry.seq >= 2:
            if entry.seq == 2:
                entry.summary = "không có gì xảy ra"
            entry.prev_hash = previous
            entry.hash = audit._digest(entry)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {TABLE} SET summary = %s, prev_hash = %s, hash = %s WHERE id = %s",
                    [entry.summary, entry.prev_hash, entry.hash, entry.pk],
                )
        previous = entry.hash
    AuditChainHead.objects.filter(chain=chain).update(hash=previous)
    assert audit.verify_chains() == []  # the chain alone cannot see it
    err = verify_fails(capsys)
    assert f"BROKEN chain {chain} at entry #5" in err
    assert "RECOMPUTED: the hash differs from the checkpoint's" in err


def test_events_after_the_latest_checkpoint_are_not_anchored_yet(school, chain, capsys):
    """What the README states: the tail after the latest checkpoint can still be cut."""
    checkpoints.checkpoints_daily()
    audit.audit_append(action="record.edit", school_id=school.pk)
    stored = entries(chain)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [stored[-1].pk])
    AuditChainHead.objects.filter(chain=chain).update(seq=5, hash=stored[4].hash)
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out


def _forge(key: str, data: bytes) -> str:
    forged_key = key.replace("-daily", "-forged")
    storage.get_store().put(forged_key, data, content_type="application/pkcs7-mime")
    return forged_key


def test_a_checkpoint_with_edited_json_is_named(school, chain, capsys):
    row = checkpoints.checkpoints_daily()[0]
    data = storage.get_store().get(row.key)
    old_hash = row.heads[0]["hash"]
    forged = _forge(row.key, data.replace(old_hash.encode(), b"0" * 64))
    err = verify_fails(capsys)
    assert f"checkpoint {forged}: the signature does not verify" in err


def test_a_checkpoint_signed_with_another_schools_key_is_named(school, chain, capsys):
    row = checkpoints.checkpoints_daily()[0]
    payload = json.loads(signing.open_signed_data(storage.get_store().get(row.key))[0])
    other = School.objects.create(code="THKH", name="Trường Tiểu học Khác", place_name="Huế")
    forged = _forge(row.key, signing.sign_data(checkpoints.canonical(payload), school=other).cms)
    err = verify_fails(capsys)
    assert f"checkpoint {forged}: signed by {other.name}, not by {school.name}" in err


def test_a_school_key_cannot_checkpoint_another_chain(school, chain, capsys):
    row = checkpoints.checkpoints_daily()[0]
    payload = json.loads(signing.open_signed_data(storage.get_store().get(row.key))[0])
    payload["heads"].append({"chain": "system", "seq": 99, "hash": "0" * 64, "count": 99})
    forged = _forge(row.key, signing.sign_data(checkpoints.canonical(payload), school=school).cms)
    err = verify_fails(capsys)
    assert f"checkpoint {forged}: holds chains outside its scope {chain}" in err


def test_a_checkpoint_signed_by_an_untrusted_key_is_named(
    school, chain, capsys, settings, tmp_path
):
    row = checkpoints.checkpoints_daily()[0]
    payload = json.loads(signing.open_signed_data(storage.get_store().get(row.key))[0])
    # The same school's name, but a key from an authority that is not a trust root.
    trusted_pki = settings.SIGNING["DEV_PKI_DIR"]
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": str(tmp_path / "rogue-pki")}
    rogue = signing.sign_data(checkpoints.canonical(payload), school=school).cms
    settings.SIGNING = {**settings.SIGNING, "DEV_PKI_DIR": trusted_pki}
    forged = _forge(row.key, rogue)
    err = verify_fails(capsys)
    assert f"checkpoint {forged}: the signer's certificate is not trusted" in err


def test_an_unreadable_checkpoint_is_named(school, chain, capsys):
    row = checkpoints.checkpoints_daily()[0]
    forged = _forge(row.key, b"not a signature")
    err = verify_fails(capsys)
    assert f"checkpoint {forged} is unreadable" in err


def test_a_checkpoint_missing_from_the_store_is_named(school, chain, settings, capsys):
    row = checkpoints.checkpoints_daily()[0]
    path = Path(settings.OBJECT_STORE["LOCAL_ROOT"], row.key)
    path.unlink()  # what write-once storage refuses; the filesystem store cannot
    err = verify_fails(capsys)
    assert f"checkpoint {row.key} is missing from the store" in err


def test_the_checkpoint_is_timestamped_by_the_tsa(school, chain, settings, tsa_server_factory):
    paths = signing.dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_tsa(paths)
    url = tsa_server_factory(paths.tsa_cert, paths.tsa_key, [paths.ca_cert])
    settings.SIGNING = {**settings.SIGNING, "TSA_URL": url}
    rows = checkpoints.checkpoints_daily()
    assert rows and all(r.timestamped for r in rows)
    for row in rows:
        data = storage.get_store().get(row.key)
        _, report = signing.open_signed_data(data)
        assert report.ok and report.timestamp_at and report.timestamp_trusted
        payload, problem = checkpoints.read_checkpoint(data, row.key)
        assert problem is None and payload["tsa"] is True
    call_command("audit_verify")


def test_a_checkpoint_made_with_a_tsa_cannot_lose_its_timestamp(school, chain, capsys):
    row = checkpoints.checkpoints_daily()[0]
    payload = json.loads(signing.open_signed_data(storage.get_store().get(row.key))[0])
    payload["tsa"] = True  # signed without one: as if the token had been stripped
    forged = _forge(row.key, signing.sign_data(checkpoints.canonical(payload), school=school).cms)
    err = verify_fails(capsys)
    assert f"checkpoint {forged}: the TSA timestamp is missing" in err


def test_the_year_package_carries_the_schools_checkpoints(school_data, capsys):
    school = school_data.school
    audit.audit_append(action="record.edit", school_id=school.pk)
    daily = [r for r in checkpoints.checkpoints_daily() if r.school_id == school.pk]
    call_command("export_year_package", "--school", school.code, "--year", school_data.year.name)
    package_cp = AuditCheckpoint.objects.get(school=school, reason="package")
    stored = storage.get_store()
    from archive.models import ArchivedVersion

    package = ArchivedVersion.objects.get(kind="package", school=school)
    with zipfile.ZipFile(io.BytesIO(stored.get(package.key))) as bag:
        names = bag.namelist()
        root = names[0].split("/", 1)[0]
        manifest = json.loads(bag.read(f"{root}/data/manifest.json"))
        listed = manifest["audit_checkpoints"]
        assert [c["storage_key"] for c in listed] == sorted([daily[0].key, package_cp.key])
        for item in listed:
            signed = bag.read(f"{root}/{item['path']}")
            assert item["verified"] and storage.sha256(signed) == item["sha256"]
            content, report = signing.open_signed_data(signed)
            assert report.ok and bag.read(f"{root}/{item['json_path']}") == content
        package_payload = next(c for c in listed if c["reason"] == "package")
        assert package_payload["heads"] == [{"chain": audit.chain_name(school.pk), **_head(school)}]
        other = [c for c in listed if "/all/" in c["storage_key"]]
        assert other == []  # only the school's own checkpoints


def _head(school) -> dict:
    head = AuditChainHead.objects.get(chain=audit.chain_name(school.pk))
    count = AuditEntry.objects.filter(chain=head.chain).count()
    return {"seq": head.seq, "hash": head.hash, "count": count}


def test_checkpoints_on_s3_are_locked_and_cannot_be_deleted(school, chain, s3_settings):
    from botocore.exceptions import ClientError

    rows = checkpoints.checkpoints_daily()
    store = storage.get_store()
    assert isinstance(store, storage.S3Store) and store.lock_enabled()
    for row in rows:
        row.refresh_from_db()
        assert row.storage_version_id and row.retain_until is not None
        with pytest.raises(ClientError):
            store.delete_version(row.key, row.storage_version_id)
        assert storage.sha256(store.get(row.key)) == row.sha256
    call_command("audit_verify")
