"""The private SoftHSM2: tokens of its own, a school's PKCS#12 written so pyHanko's
PKCS#11 signer finds it, tokens made after the library was loaded still seen here."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pkcs11 import Attribute, ObjectClass
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

from archive import devpki
from devservices import ServiceUnavailable, SoftHsm
from devservices import softhsm as softhsm_module

PIN = "1234"
SO_PIN = "87654321"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> devpki.DevPkiPaths:
    paths = devpki.DevPkiPaths(tmp_path_factory.mktemp("devpki"))
    devpki.ensure_ca(paths)
    devpki.ensure_school_cert(paths, code="HSM01", name="Trường Tiểu học Kiểm Thử")
    return paths


def _label() -> str:
    return f"T{uuid.uuid4().hex[:10]}"


def test_configuration_keeps_tokens_in_its_own_directory(softhsm: SoftHsm) -> None:
    label = _label()
    softhsm.init_token(label, pin=PIN, so_pin=SO_PIN)

    conf = softhsm.conf_path.read_text()
    assert f"directories.tokendir = {softhsm.token_dir}\n" in conf
    assert softhsm.env == {"SOFTHSM2_CONF": str(softhsm.conf_path)}
    assert any(softhsm.token_dir.iterdir())
    shown = subprocess.run(
        ["softhsm2-util", "--show-slots"],
        env={"PATH": "/usr/bin:/bin", **softhsm.env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert label in shown


def test_token_made_after_the_library_was_loaded_is_seen_by_this_process(
    softhsm: SoftHsm,
) -> None:
    softhsm.activate()
    lib = pkcs11.lib(softhsm.module)
    lib.get_slots()  # the library is loaded and initialised before the token exists
    label = _label()

    softhsm.init_token(label, pin=PIN, so_pin=SO_PIN)

    assert label in [slot.get_token().label for slot in lib.get_slots(token_present=True)]
    with lib.get_token(token_label=label).open(user_pin=PIN) as session:
        assert list(session.get_objects()) == []


def test_imported_key_and_certificate_share_label_and_id_and_pyhanko_signs_with_them(
    softhsm: SoftHsm, pki: devpki.DevPkiPaths
) -> None:
    softhsm.activate()
    token = _label()
    softhsm.init_token(token, pin=PIN, so_pin=SO_PIN)

    key_id = softhsm.import_pkcs12(
        token,
        pin=PIN,
        pkcs12=pki.school_p12("HSM01"),
        passphrase=devpki.DEV_PASSPHRASE,
        label="HSM01",
    )

    session = open_pkcs11_session(
        softhsm.module, token_criteria=TokenCriteria(label=token), user_pin=PIN
    )
    try:
        keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
        certs = {
            obj[Attribute.LABEL]: obj[Attribute.ID]
            for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE})
        }
        assert [(k.label, k.id) for k in keys] == [("HSM01", key_id)]
        assert keys[0][Attribute.SENSITIVE] and not keys[0][Attribute.EXTRACTABLE]
        assert certs["HSM01"] == key_id
        assert "HSM01-ca1" in certs  # the CA certificate, so the chain can be embedded
        signer = PKCS11Signer(session, cert_label="HSM01", key_label="HSM01")
        signature = asyncio.run(signer.async_sign_raw(b"hello", "sha256"))
        cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
        cert.public_key().verify(signature, b"hello", PKCS1v15(), hashes.SHA256())
    finally:
        session.close()


def test_importing_again_replaces_the_objects_of_that_label(
    softhsm: SoftHsm, pki: devpki.DevPkiPaths
) -> None:
    token = _label()
    softhsm.init_token(token, pin=PIN, so_pin=SO_PIN)
    for _ in range(2):
        softhsm.import_pkcs12(
            token,
            pin=PIN,
            pkcs12=pki.school_p12("HSM01").read_bytes(),
            passphrase=devpki.DEV_PASSPHRASE,
            label="HSM01",
            chain=False,
        )

    softhsm.activate()
    with pkcs11.lib(softhsm.module).get_token(token_label=token).open(user_pin=PIN) as session:
        objects = sorted(
            (obj[Attribute.LABEL], obj[Attribute.CLASS]) for obj in session.get_objects()
        )
    assert objects == [("HSM01", ObjectClass.CERTIFICATE), ("HSM01", ObjectClass.PRIVATE_KEY)]


def test_missing_library_is_unavailable_naming_the_debian_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(softhsm_module, "MODULE_PATHS", (str(tmp_path / "none.so"),))
    monkeypatch.delenv("HOSO_SOFTHSM_MODULE", raising=False)

    with pytest.raises(ServiceUnavailable, match="apt-get install softhsm2"):
        SoftHsm(tmp_path / "hsm").start()

    assert not (tmp_path / "hsm").exists()
