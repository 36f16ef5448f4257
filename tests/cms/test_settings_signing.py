"""All of the signing configuration is in SIGNING: the PKCS#11 token label and PIN
included (they used to sit in ARCHIVE), read from the same environment variables."""

from __future__ import annotations

import types

import pyhanko.sign
from pyhanko.config.pkcs11 import TokenCriteria

from archive import signing
from cms import env


def test_signing_settings_hold_all_pkcs11_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("SIGNING_BACKEND", "pkcs11")
    monkeypatch.setenv("SIGNING_PKCS11_MODULE", "/usr/lib/token.so")
    monkeypatch.setenv("SIGNING_PKCS11_TOKEN_LABEL", "Truong-THHN")
    monkeypatch.setenv("SIGNING_PKCS11_PIN", "123456")

    built = env.signing_settings(var_dir=tmp_path)
    archive = env.archive_settings(var_dir=tmp_path, public_base_url="https://hoso.example.vn")

    assert built["PKCS11_MODULE"] == "/usr/lib/token.so"
    assert built["PKCS11_TOKEN_LABEL"] == "Truong-THHN"
    assert built["PKCS11_PIN"] == "123456"
    assert not [key for key in archive if key.startswith("PKCS11")]


def test_pkcs11_token_label_and_pin_are_read_from_signing_settings(settings, monkeypatch):
    opened: list[dict] = []

    class Session:
        closed = False

        def close(self) -> None:
            self.closed = True

    session = Session()

    def open_pkcs11_session(module, **kwargs):
        opened.append({"module": module, **kwargs})
        return session

    fake = types.SimpleNamespace(
        open_pkcs11_session=open_pkcs11_session,
        PKCS11Signer=lambda session, **labels: types.SimpleNamespace(
            session=session, signing_cert=None, **labels
        ),
    )
    monkeypatch.setattr(pyhanko.sign, "pkcs11", fake, raising=False)
    settings.SIGNING = {
        **settings.SIGNING,
        "BACKEND": "pkcs11",
        "PKCS11_MODULE": "/usr/lib/token.so",
        "PKCS11_TOKEN_LABEL": "Truong-THHN",
        "PKCS11_PIN": "123456",
    }
    settings.ARCHIVE = {k: v for k, v in settings.ARCHIVE.items() if not k.startswith("PKCS11")}

    with signing._school_signer(types.SimpleNamespace(code="THHN")) as signer:
        assert signer.cert_label == signer.key_label == "THHN"

    assert opened == [
        {
            "module": "/usr/lib/token.so",
            "token_criteria": TokenCriteria(label="Truong-THHN"),
            "user_pin": "123456",
        }
    ]
    assert session.closed
