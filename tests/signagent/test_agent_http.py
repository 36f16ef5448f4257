"""The agent's HTTP rules: only the configured site, only via 127.0.0.1, bounded
bodies, one PIN prompt per batch after showing what is signed, each item checked on
its own. The token is a fake here (tests/signagent/fakes.py); test_agent_softhsm.py
runs the same protocol against a real PKCS#11 token."""

from __future__ import annotations

import base64
import threading

import pytest

from signagent import messages
from signagent.server import MAX_BODY
from signagent.token import TokenCertificate

from .fakes import ORIGIN, PIN, Prompts, running_agent
from .pki import document_digest, signed_attributes, throwaway_certificate


@pytest.fixture(scope="module")
def certificate() -> TokenCertificate:
    return TokenCertificate(label="GV-Lan", cka_id=b"\x01\x02", der=throwaway_certificate("Lan"))


@pytest.fixture
def agent(certificate):
    with running_agent(certificate) as running:
        yield running


def item(certificate: TokenCertificate, n: int, **overrides) -> dict:
    digest = document_digest(n)
    made = {
        "id": f"hb-{n}",
        "title": f"Học bạ lớp 5A – học sinh {n}",
        "document_sha256": digest.hex(),
        "signed_attributes": base64.b64encode(signed_attributes(certificate.der, digest)).decode(),
    }
    return {**made, **overrides}


def sign_body(certificate: TokenCertificate, items: list[dict]) -> dict:
    return {"certificate_id": certificate.id, "digest_algorithm": "sha256", "items": items}


def test_status_answers_the_configured_origin_with_cors_headers(agent):
    status, headers, body = agent.request("GET", "/v1/status")

    assert status == 200
    assert body == {
        "agent": "hoso-sign-agent",
        "version": body["version"],
        "protocol": 1,
        "token": {"label": "GV-Lan", "present": True},
    }
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["vary"] == "Origin"


def test_certificates_are_listed_with_their_id_and_subject(agent, certificate):
    status, _, body = agent.request("GET", "/v1/certificates")

    assert status == 200
    [listed] = body["certificates"]
    assert listed["id"] == "0102"
    assert base64.b64decode(listed["certificate"]) == certificate.der
    assert listed["subject"] == "CN=Lan"
    assert agent.prompts.asked == []  # public objects: no PIN


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://hoso.pgd.example.vn", "null", None]
)
def test_a_request_from_another_site_is_refused(agent, certificate, origin):
    status, headers, body = agent.request(
        "POST", "/v1/sign", sign_body(certificate, [item(certificate, 1)]), origin=origin
    )

    assert status == 403
    assert body == {"error": messages.FORBIDDEN_ORIGIN}
    assert "access-control-allow-origin" not in headers
    assert agent.prompts.asked == [] and agent.token.signed == []


@pytest.mark.parametrize(
    "host", ["hoso.attacker.example:{port}", "127.0.0.1:1", "0.0.0.0:{port}", "[::1]:{port}"]
)
def test_a_request_for_another_host_is_refused_dns_rebinding(agent, certificate, host):
    status, _, body = agent.request(
        "POST",
        "/v1/sign",
        sign_body(certificate, [item(certificate, 1)]),
        host=host.format(port=agent.port),
    )

    assert status == 403
    assert body == {"error": messages.FORBIDDEN_HOST}
    assert agent.prompts.asked == [] and agent.token.signed == []


def test_localhost_is_an_accepted_host(agent):
    status, _, _ = agent.request("GET", "/v1/status", host=f"localhost:{agent.port}")

    assert status == 200


def test_preflight_from_the_site_allows_the_private_network_request(agent):
    status, headers, _ = agent.request(
        "OPTIONS",
        "/v1/sign",
        headers={
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )

    assert status == 204
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-private-network"] == "true"
    assert headers["access-control-allow-methods"] == "POST"
    assert "content-type" in headers["access-control-allow-headers"].lower()


def test_preflight_from_another_site_is_refused(agent):
    status, headers, _ = agent.request(
        "OPTIONS",
        "/v1/sign",
        origin="https://evil.example",
        headers={"Access-Control-Request-Private-Network": "true"},
    )

    assert status == 403
    assert "access-control-allow-private-network" not in headers


@pytest.mark.parametrize("path", ["/", "/v1/sign/", "/v2/status", "/v1/pin", "/../etc/passwd"])
def test_other_paths_do_not_exist(agent, path):
    status, _, body = agent.request("GET", path)

    assert status == 404
    assert body == {"error": messages.NOT_FOUND}


def test_signing_needs_a_post(agent):
    status, _, body = agent.request("GET", "/v1/sign")

    assert status == 405
    assert body == {"error": messages.METHOD_NOT_ALLOWED}


def test_a_body_over_the_limit_is_refused_unread(agent):
    status, _, body = agent.request(
        "POST",
        "/v1/sign",
        raw=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": str(MAX_BODY + 1)},
    )

    assert status == 413
    assert body == {"error": messages.BODY_TOO_LARGE.format(megabytes=16)}
    assert agent.prompts.asked == []


def test_more_than_two_thousand_items_are_refused_without_a_pin_prompt(agent, certificate):
    one = item(certificate, 1)
    items = [{**one, "id": f"hb-{n}"} for n in range(2001)]

    status, _, body = agent.request("POST", "/v1/sign", sign_body(certificate, items))

    assert status == 413
    assert body == {"error": messages.TOO_MANY_ITEMS.format(limit="2.000")}
    assert agent.prompts.asked == [] and agent.token.signed == []


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        (b"{not json", "application/json", 400),
        (b'{"items": []}', "application/json", 400),
        (
            b'{"certificate_id": "0102", "items": [{"id": "a"}, {"id": "a"}]}',
            "application/json",
            400,
        ),
        (b'{"certificate_id": "0102", "items": [{"id": "a"}]}', "text/plain", 415),
    ],
)
def test_a_malformed_request_is_a_4xx_with_a_message(agent, raw, content_type, expected):
    status, _, body = agent.request(
        "POST", "/v1/sign", raw=raw, headers={"Content-Type": content_type}
    )

    assert status == expected
    assert body["error"]
    assert agent.prompts.asked == [] and agent.token.signed == []


def test_a_batch_asks_for_the_pin_once_after_showing_titles_and_hashes(agent, certificate):
    items = [item(certificate, n) for n in range(3)]

    status, _, body = agent.request("POST", "/v1/sign", sign_body(certificate, items))

    assert status == 200
    assert body["results"] == [
        {"id": f"hb-{n}", "cms": base64.b64encode(f"cms:hb-{n}".encode()).decode()}
        for n in range(3)
    ]
    assert agent.prompts.asked == [("Ký 3 hồ sơ: nhập mã PIN của thiết bị ký", 3)]
    [shown] = agent.shown
    assert f"{ORIGIN}: 3 hồ sơ" in shown
    for n in range(3):
        assert f"Học bạ lớp 5A – học sinh {n}" in shown
        assert document_digest(n).hex() in shown


def test_a_wrong_pin_fails_every_item_and_the_next_batch_asks_again(certificate):
    with running_agent(certificate, Prompts(answers=["000000", PIN])) as agent:
        items = [item(certificate, n) for n in range(3)]

        _, _, first = agent.request("POST", "/v1/sign", sign_body(certificate, items))
        _, _, second = agent.request("POST", "/v1/sign", sign_body(certificate, items))

    assert first["results"] == [
        {"id": f"hb-{n}", "error": messages.PIN_INCORRECT} for n in range(3)
    ]
    assert [r.get("cms") is not None for r in second["results"]] == [True, True, True]
    assert len(agent.prompts.asked) == 2
    assert agent.token.pins == ["000000", PIN]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"signed_attributes": "bm90IERFUg=="}, messages.ITEM_ATTRIBUTES_UNREADABLE),
        ({"signed_attributes": "***"}, messages.ITEM_ATTRIBUTES_UNREADABLE),
        ({"signed_attributes": None}, messages.ITEM_ATTRIBUTES_UNREADABLE),
        ({"document_sha256": "00" * 32}, messages.ITEM_DIGEST_MISMATCH),
        ({"document_sha256": None}, messages.ITEM_DIGEST_MISMATCH),
    ],
)
def test_a_malformed_item_fails_alone_and_the_others_are_signed(
    agent, certificate, override, message
):
    items = [item(certificate, 0), item(certificate, 1, **override), item(certificate, 2)]

    _, _, body = agent.request("POST", "/v1/sign", sign_body(certificate, items))

    assert body["results"][1] == {"id": "hb-1", "error": message}
    assert agent.token.signed == ["hb-0", "hb-2"]
    assert agent.prompts.asked == [("Ký 2 hồ sơ: nhập mã PIN của thiết bị ký", 2)]


def test_attributes_missing_the_message_digest_are_refused(agent, certificate):
    from asn1crypto import cms

    attrs = cms.CMSAttributes.load(signed_attributes(certificate.der, document_digest(0)))
    kept = cms.CMSAttributes([a for a in attrs if a["type"].native != "message_digest"])
    bad = item(certificate, 0, signed_attributes=base64.b64encode(kept.dump()).decode())

    _, _, body = agent.request("POST", "/v1/sign", sign_body(certificate, [bad]))

    assert body["results"] == [
        {"id": "hb-0", "error": messages.ITEM_ATTRIBUTE_MISSING.format(name="message-digest")}
    ]
    assert agent.prompts.asked == [] and agent.token.signed == []


def test_an_item_prepared_for_another_certificate_is_refused(agent, certificate):
    other = throwaway_certificate("Người khác")
    digest = document_digest(0)
    foreign = item(
        certificate,
        0,
        signed_attributes=base64.b64encode(signed_attributes(other, digest)).decode(),
    )

    _, _, body = agent.request("POST", "/v1/sign", sign_body(certificate, [foreign]))

    assert body["results"] == [{"id": "hb-0", "error": messages.ITEM_OTHER_CERTIFICATE}]
    assert agent.token.signed == []


@pytest.mark.parametrize("algorithm", ["sha1", "md5", "sha512"])
def test_only_sha256_is_signed(agent, certificate, algorithm):
    body = {**sign_body(certificate, [item(certificate, 0)]), "digest_algorithm": algorithm}

    _, _, answer = agent.request("POST", "/v1/sign", body)

    assert answer["results"][0]["error"] == messages.ITEM_DIGEST_ALGORITHM.format(
        algorithm=algorithm, allowed="sha256"
    )
    assert agent.prompts.asked == [] and agent.token.signed == []


def test_an_unknown_certificate_fails_every_item_without_a_pin_prompt(agent, certificate):
    body = {**sign_body(certificate, [item(certificate, 0)]), "certificate_id": "ffff"}

    _, _, answer = agent.request("POST", "/v1/sign", body)

    assert answer["results"] == [{"id": "hb-0", "error": messages.CERTIFICATE_UNKNOWN}]
    assert agent.prompts.asked == []


def test_control_characters_in_a_title_do_not_reach_the_terminal(agent, certificate):
    sneaky = item(certificate, 0, title="Học bạ\x1b[2J\x1b[1A giả\r\nDÒNG GIẢ")

    agent.request("POST", "/v1/sign", sign_body(certificate, [sneaky]))

    [shown] = agent.shown
    assert "\x1b" not in shown and "\r" not in shown
    assert shown.count("\n") == 1  # the header and one line per item


def test_a_second_batch_while_one_is_waiting_for_its_pin_is_refused(certificate):
    hold = threading.Event()
    with running_agent(certificate, Prompts(hold=hold)) as agent:
        body = sign_body(certificate, [item(certificate, 0)])
        first: list = []
        thread = threading.Thread(
            target=lambda: first.append(agent.request("POST", "/v1/sign", body))
        )
        thread.start()
        while not agent.prompts.asked:
            threading.Event().wait(0.01)

        status, _, answer = agent.request("POST", "/v1/sign", body)
        hold.set()
        thread.join(10)

    assert (status, answer) == (409, {"error": messages.BUSY})
    assert first[0][0] == 200
    assert agent.token.signed == ["hb-0"]
