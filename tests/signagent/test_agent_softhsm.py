"""The agent as a real process on a real PKCS#11 token (SoftHSM2): what the browser
gets back is a CMS that verifies, one PIN prompt per batch, refusals per item."""

from __future__ import annotations

import asyncio
import base64
import io
import socket
import subprocess
import sys

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_cms import ExternalSigner
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signagent import messages
from tests.conftest import minimal_pdf

from .conftest import TOKEN
from .pki import document_digest, signed_attributes

PROMPT_FOR_3 = "Ký 3 hồ sơ: nhập mã PIN của thiết bị ký"


def items_for(agent, count: int, start: int = 0) -> list[dict]:
    der = agent.personal.der
    return [
        {
            "id": f"hb-{n}",
            "title": f"Học bạ học sinh {n}",
            "document_sha256": document_digest(n).hex(),
            "signed_attributes": base64.b64encode(
                signed_attributes(der, document_digest(n))
            ).decode(),
        }
        for n in range(start, start + count)
    ]


def sign(agent, items: list[dict], **options):
    body = {"certificate_id": agent.cka_id.hex(), "digest_algorithm": "sha256", "items": items}
    return agent.call("POST", "/v1/sign", body, **options)


def assert_verifies(agent, result: dict, item: dict) -> None:
    """The CMS signs exactly the attributes sent, with the token's certificate."""
    content = cms.ContentInfo.load(base64.b64decode(result["cms"]))
    signed_data = content["content"]
    [signer_info] = signed_data["signer_infos"]
    sent = cms.CMSAttributes.load(base64.b64decode(item["signed_attributes"]))
    assert signer_info["signed_attrs"].dump()[1:] == sent.dump()[1:]  # [0] IMPLICIT vs SET
    cert = asn1_x509.Certificate.load(agent.personal.der)
    assert any(c.chosen.dump() == cert.dump() for c in signed_data["certificates"])
    intact, valid = validate_sig_integrity(
        signer_info, cert, "data", bytes.fromhex(item["document_sha256"])
    )
    assert (intact, valid) == (True, True)


def test_status_reports_the_token_and_certificates_need_no_pin(live_agent):
    _, _, status = live_agent.call("GET", "/v1/status")
    _, _, listed = live_agent.call("GET", "/v1/certificates")

    assert status["token"] == {"label": TOKEN, "present": True}
    [certificate] = listed["certificates"]  # the CA certificate on the token is not offered
    assert certificate["id"] == live_agent.cka_id.hex()
    assert certificate["label"] == "lan"
    assert base64.b64decode(certificate["certificate"]) == live_agent.personal.der
    assert "CN=Nguyễn Thị Lan" in certificate["subject"]
    assert live_agent.prompts() == []


def test_a_batch_of_three_is_signed_with_one_pin_prompt_and_each_cms_verifies(live_agent):
    items = items_for(live_agent, 3)

    status, _, body = sign(live_agent, items)

    assert status == 200
    assert [r["id"] for r in body["results"]] == ["hb-0", "hb-1", "hb-2"]
    for result, item in zip(body["results"], items, strict=True):
        assert_verifies(live_agent, result, item)
    assert live_agent.prompts() == [PROMPT_FOR_3]


def test_the_cms_completes_a_pdf_signature_that_pyhanko_validates(live_agent):
    personal = live_agent.personal
    cert = asn1_x509.Certificate.load(personal.der)
    ca = asn1_x509.Certificate.load(personal.ca.public_bytes(serialization.Encoding.DER))
    # The server's half (lead's code in production): interrupted signing with pyHanko.
    external = ExternalSigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs([ca]),
        signature_value=bytes(512),
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="GiaoVienChuNhiem"), signer=external
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(minimal_pdf()))
    prep, _tbs, output = asyncio.run(pdf_signer.async_digest_doc_for_signing(writer))
    attrs = asyncio.run(external.signed_attrs(prep.document_digest, "sha256", use_pades=True))
    item = {
        "id": "hb-pdf",
        "title": "Học bạ – Nguyễn Văn An",
        "document_sha256": prep.document_digest.hex(),
        "signed_attributes": base64.b64encode(attrs.dump()).decode(),
    }

    _, _, body = sign(live_agent, [item])

    [result] = body["results"]
    PdfTBSDocument.finish_signing(output, prep, base64.b64decode(result["cms"]))
    [embedded] = PdfFileReader(output).embedded_signatures
    status = asyncio.run(
        async_validate_pdf_signature(
            embedded, ValidationContext(trust_roots=[ca], allow_fetching=False)
        )
    )
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject == cert.subject


def test_a_wrong_pin_fails_every_item_and_the_next_batch_asks_again(live_agent):
    live_agent.set_pin("000000")
    items = items_for(live_agent, 3)

    _, _, refused = sign(live_agent, items)
    live_agent.set_pin("246810")
    _, _, signed = sign(live_agent, items)

    assert refused["results"] == [
        {"id": f"hb-{n}", "error": messages.PIN_INCORRECT} for n in range(3)
    ]
    assert all("cms" in r for r in signed["results"])
    assert live_agent.prompts() == [PROMPT_FOR_3, PROMPT_FOR_3]


def test_a_malformed_item_fails_alone_and_the_others_are_signed(live_agent):
    items = items_for(live_agent, 3)
    items[1]["signed_attributes"] = base64.b64encode(b"\x31\x03\x02\x01\x05").decode()

    _, _, body = sign(live_agent, items)

    first, broken, last = body["results"]
    assert broken == {"id": "hb-1", "error": messages.ITEM_ATTRIBUTES_UNREADABLE}
    assert_verifies(live_agent, first, items[0])
    assert_verifies(live_agent, last, items[2])
    assert live_agent.prompts() == ["Ký 2 hồ sơ: nhập mã PIN của thiết bị ký"]


def test_another_site_and_a_rebinding_host_are_refused_without_a_prompt(live_agent):
    items = items_for(live_agent, 1)

    other = sign(live_agent, items, origin="https://evil.example")
    rebound = sign(live_agent, items, host=f"hoso.attacker.example:{live_agent.port}")

    assert (other[0], other[2]) == (403, {"error": messages.FORBIDDEN_ORIGIN})
    assert (rebound[0], rebound[2]) == (403, {"error": messages.FORBIDDEN_HOST})
    assert live_agent.prompts() == []


def _lan_address() -> str | None:
    """This machine's address on its network, if it has one (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_agent_is_not_reachable_from_the_network(live_agent):
    address = _lan_address()
    if address is None:
        pytest.skip("this machine has no network address besides loopback")

    with pytest.raises(OSError), socket.create_connection((address, live_agent.port), timeout=2):
        pass
    assert live_agent.call("GET", "/v1/status")[0] == 200


def test_python_m_signagent_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "signagent", "--version"], capture_output=True, text=True, check=True
    )

    assert done.stdout.startswith("hoso-sign-agent ")
