"""A private SoftHSM2 (Debian ``softhsm2``): PKCS#11 tokens in a temporary directory.

SoftHSM is a library, not a server: whoever loads ``libsofthsm2.so`` reads the file named by
``SOFTHSM2_CONF`` when it calls ``C_Initialize`` and sees the tokens of that file's
``directories.tokendir``. ``SoftHsm`` writes such a file with its own token directory, so
tests never touch the machine's tokens::

    with SoftHsm() as hsm:
        hsm.init_token("SCHOOL01", pin="1234", so_pin="5678")
        hsm.import_pkcs12("SCHOOL01", pin="1234", pkcs12=p12, passphrase=b"pw", label="SCHOOL01")
        subprocess.run([...], env={**os.environ, **hsm.env})   # another process
        hsm.activate()                                          # or this one

What one process sees, and why the helpers work the way they do (measured with SoftHSM
2.6.1):

- A process that has already initialised the library does not see a token created after
  that (by ``softhsm2-util`` or any other process) until the library is finalised and
  initialised again; objects written into a token it already sees appear at once.
- ``C_Finalize`` + ``C_Initialize`` re-reads ``SOFTHSM2_CONF``.

So tokens are created and filled in child processes (``softhsm2-util``, and this module run
as ``python -m devservices.softhsm`` for the python-pkcs11 writes), which never depend on
the state of the caller's process; and ``activate()``, ``init_token()`` re-initialise the
library in this process when it is already loaded with this configuration. Re-initialising
closes every PKCS#11 session this process holds on SoftHSM, so create tokens before signing
starts (fixtures), not while a signature is being made.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Self

from ._base import Service, ServiceStartError, ServiceUnavailable, remove_tree, require_executable

CONF_ENV = "SOFTHSM2_CONF"
INSTALL_HINT = "apt-get install softhsm2"
MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
)

_reinit_lock = threading.Lock()


def find_module() -> str:
    """Path of SoftHSM2's PKCS#11 module (``HOSO_SOFTHSM_MODULE`` first, then Debian's)."""
    override = os.environ.get("HOSO_SOFTHSM_MODULE")
    for candidate in ((override,) if override else ()) + MODULE_PATHS:
        if Path(candidate).is_file():
            return candidate
    raise ServiceUnavailable(f"SoftHSM2's PKCS#11 module libsofthsm2.so not found: {INSTALL_HINT}")


def module_loaded(module: str) -> bool:
    """Whether this process has ``module`` mapped (then its tokens were read at load)."""
    real = os.path.realpath(module)
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return False
    return real in maps or module in maps


class SoftHsm(Service):
    """A SoftHSM2 configuration of its own, with its tokens under ``root`` (or a temp dir)."""

    def __init__(self, root: Path | None = None) -> None:
        self._given_root = root
        self.root: Path | None = None
        self.module = ""
        self._owns_root = False

    @property
    def conf_path(self) -> Path:
        assert self.root is not None, "SoftHsm not started"
        return self.root / "softhsm2.conf"

    @property
    def token_dir(self) -> Path:
        assert self.root is not None, "SoftHsm not started"
        return self.root / "tokens"

    @property
    def env(self) -> dict[str, str]:
        """Environment for a child process that should see these tokens."""
        return {CONF_ENV: str(self.conf_path)}

    def start(self) -> Self:
        if self.root is not None:
            return self
        self.module = find_module()
        self._util = require_executable("softhsm2-util", INSTALL_HINT)
        if self._given_root is None:
            self.root = Path(tempfile.mkdtemp(prefix="hoso-softhsm-"))
            self._owns_root = True
        else:
            self.root = Path(self._given_root)
            self.root.mkdir(parents=True, exist_ok=True)
        self.token_dir.mkdir(exist_ok=True)
        self.conf_path.write_text(
            f"directories.tokendir = {self.token_dir}\n"
            "objectstore.backend = file\n"
            "log.level = ERROR\n"
            "slots.removable = false\n"
            "slots.mechanisms = ALL\n"
            "library.reset_on_fork = false\n"
        )
        return self

    def stop(self) -> None:
        if self.root is not None and self._owns_root:
            remove_tree(self.root)
        self.root = None

    def activate(self) -> None:
        """Make this process use these tokens (sets ``SOFTHSM2_CONF``).

        SoftHSM reads the variable at ``C_Initialize``: if the library is already loaded
        here, it is initialised again, which closes its open sessions.
        """
        os.environ[CONF_ENV] = str(self.conf_path)
        self._refresh_in_process()

    def _active_here(self) -> bool:
        return os.environ.get(CONF_ENV) == str(self.conf_path)

    def _refresh_in_process(self) -> None:
        """Re-initialise the loaded library so this process sees new tokens."""
        if not (self._active_here() and module_loaded(self.module)):
            return
        import pkcs11

        with _reinit_lock:
            pkcs11.lib(self.module).reinitialize()

    def _run(self, cmd: list[str], *, what: str, stdin: str | None = None) -> str:
        proc = subprocess.run(
            cmd,
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=120,
        )
        if proc.returncode != 0:
            raise ServiceStartError(
                f"{what} failed ({proc.returncode}): {proc.stderr or proc.stdout}"
            )
        return proc.stdout

    def init_token(self, label: str, *, pin: str, so_pin: str) -> None:
        """A new token named ``label`` in the first free slot, with its user and SO PINs."""
        self.start()
        self._run(
            [
                self._util,
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                pin,
                "--so-pin",
                so_pin,
            ],
            what=f"softhsm2-util --init-token {label}",
        )
        self._refresh_in_process()

    def import_pkcs12(
        self,
        token_label: str,
        *,
        pin: str,
        pkcs12: bytes | Path,
        passphrase: bytes | None,
        label: str,
        chain: bool = True,
    ) -> bytes:
        """Write the PKCS#12's private key and certificate into the token, both labelled
        ``label`` with one CKA_ID (SHA-1 of the public key, returned), so that
        ``PKCS11Signer(session, cert_label=label, key_label=label)`` finds them; with
        ``chain``, the CA certificates too, labelled ``{label}-ca{i}``. Objects already
        labelled so are replaced."""
        data = pkcs12.read_bytes() if isinstance(pkcs12, Path) else pkcs12
        objects, key_id = pkcs12_objects(data, passphrase, label=label, chain=chain)
        request = {"module": self.module, "token": token_label, "pin": pin, "objects": objects}
        self._run(
            [sys.executable, "-m", "devservices.softhsm"],
            what=f"importing {label} into token {token_label}",
            stdin=json.dumps(request),
        )
        return key_id


def pkcs12_objects(
    data: bytes, passphrase: bytes | None, *, label: str, chain: bool
) -> tuple[list[dict[str, str]], bytes]:
    """The objects to write for a PKCS#12 file: ``kind``, ``label``, ``id`` and ``der`` (hex)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import pkcs12 as p12

    key, cert, extra = p12.load_key_and_certificates(data, passphrase)
    if key is None or cert is None:
        raise ValueError("the PKCS#12 file holds no private key and certificate")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"unsupported key type {type(key).__name__} (RSA or EC only)")
    der = serialization.Encoding.DER
    key_der = key.private_bytes(
        der, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    key_id = _key_id(cert)
    kind = "rsa" if isinstance(key, rsa.RSAPrivateKey) else "ec"
    objects = [
        {"kind": kind, "label": label, "id": key_id.hex(), "der": key_der.hex()},
        {"kind": "cert", "label": label, "id": key_id.hex(), "der": cert.public_bytes(der).hex()},
    ]
    if chain:
        for i, ca in enumerate(extra, start=1):
            objects.append(
                {
                    "kind": "cert",
                    "label": f"{label}-ca{i}",
                    "id": _key_id(ca).hex(),
                    "der": ca.public_bytes(der).hex(),
                }
            )
    return objects, key_id


def _key_id(cert: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    public = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha1(public, usedforsecurity=False).digest()


def _write_objects(request: dict[str, Any]) -> None:
    """Child process: open the token with the user PIN and write the objects."""
    import pkcs11
    from pkcs11 import Attribute
    from pkcs11.util.ec import decode_ec_private_key
    from pkcs11.util.rsa import decode_rsa_private_key
    from pkcs11.util.x509 import decode_x509_certificate

    lib = pkcs11.lib(request["module"])
    token = lib.get_token(token_label=request["token"])
    with token.open(rw=True, user_pin=request["pin"]) as session:
        for label in {obj["label"] for obj in request["objects"]}:
            for old in list(session.get_objects({Attribute.LABEL: label})):
                old.destroy()
        for obj in request["objects"]:
            der = bytes.fromhex(obj["der"])
            if obj["kind"] == "cert":
                attrs = decode_x509_certificate(der)
                attrs.update({Attribute.TOKEN: True, Attribute.PRIVATE: False})
            else:
                decode = decode_rsa_private_key if obj["kind"] == "rsa" else decode_ec_private_key
                attrs = decode(der)
                attrs.update(
                    {
                        Attribute.TOKEN: True,
                        Attribute.PRIVATE: True,
                        Attribute.SENSITIVE: True,
                        Attribute.EXTRACTABLE: False,
                    }
                )
            attrs.update({Attribute.LABEL: obj["label"], Attribute.ID: bytes.fromhex(obj["id"])})
            session.create_object(attrs)


if __name__ == "__main__":
    _write_objects(json.loads(sys.stdin.read()))
