"""certomancer-csc-dummy as the harness starts it: Vietnamese certificates from its own
CA, hash-bound signature activation, a real stop and restart, a missing package named."""

from __future__ import annotations

import base64
import json
import sys
import urllib.error

import pytest
from asn1crypto import x509
from pyhanko.keys import load_cert_from_pemder

from devservices import CscServer, ServiceUnavailable
from devservices._base import port_open
from devservices.csc import TEST_SCHOOL, ensure_installed

LAN = "hoso/nguyen-thi-lan"


def _chain(server: CscServer, credential_id: str) -> list[x509.Certificate]:
    answer = server.post(
        "credentials/info", {"credentialID": credential_id, "certificates": "chain"}
    )
    return [x509.Certificate.load(base64.b64decode(c)) for c in answer["cert"]["certificates"]]


def test_each_credential_is_a_vietnamese_certificate_issued_by_the_exported_root(csc_server):
    listed = csc_server.post("credentials/list", {})["credentialIDs"]
    assert set(csc_server.credential_ids) <= set(listed)
    assert {LAN, "hoso/THHN"} <= set(csc_server.credential_ids)
    person, root = _chain(csc_server, LAN)
    subject = person.subject.native
    assert subject["common_name"] == "Nguyễn Thị Lan"
    assert subject["organization_name"] == TEST_SCHOOL and subject["country_name"] == "VN"
    assert person.issuer == root.subject
    assert load_cert_from_pemder(str(csc_server.root_cert_path)).dump() == root.dump()


def test_signature_activation_must_be_bound_to_the_hashes_to_sign(csc_server):
    info = csc_server.post("credentials/info", {"credentialID": LAN})
    assert info["SCAL"] == "2"
    with pytest.raises(urllib.error.HTTPError) as refused:
        csc_server.post("credentials/authorize", {"credentialID": LAN, "numSignatures": 1})
    assert refused.value.code == 400
    digest = base64.b64encode(bytes(32)).decode()
    sad = csc_server.post(
        "credentials/authorize", {"credentialID": LAN, "numSignatures": 1, "hash": [digest]}
    )
    assert sad["SAD"]


def test_a_stopped_service_refuses_connections_and_returns_on_the_same_url(csc_server):
    url, port = csc_server.url, csc_server.port
    csc_server.stop()
    try:
        assert not port_open(port)
    finally:
        csc_server.start()
    assert csc_server.url == url and csc_server.post("info", {})["specs"]


def test_a_missing_package_is_unavailable_and_named(monkeypatch):
    monkeypatch.setitem(sys.modules, "csc_dummy", None)  # import fails as if not installed
    with pytest.raises(ServiceUnavailable, match="certomancer-csc-dummy"):
        ensure_installed()


def test_the_generated_configuration_is_readable_as_written(tmp_path):
    from devservices.csc import DEFAULT_IDENTITIES, write_config

    config = json.loads(write_config(tmp_path, DEFAULT_IDENTITIES).read_text(encoding="utf-8"))
    entities = config["pki-architectures"]["hoso"]["entities"]
    assert entities["THHN"]["organization-name"] == TEST_SCHOOL
    assert all((tmp_path / "keys" / f"{label}.key.pem").exists() for label in entities)
