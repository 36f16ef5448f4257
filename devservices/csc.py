"""A remote signing service speaking the Cloud Signature Consortium API (CSC 1.0.4):
the real ``certomancer-csc-dummy`` (PyPI), for the application's CSC signing path.

The server reads a Certomancer configuration generated into its temporary directory: one
root CA and signing certificates with Vietnamese subjects (C=VN, O = a school, CN with
diacritics), each a CSC credential ``<ARCH>/<label>``. Its keys are fresh RSA keys written
there, never reused.

Why a subprocess running the package's own ``CSCWithCertomancer`` app rather than its
``certomancer-csc`` command: the command binds ``localhost`` (``::1`` as well on some
hosts) and takes a fixed port; ``python -m devservices.csc CONFIG PORT SCAL`` serves the
same aiohttp application on 127.0.0.1 only. Why not a thread of the test process: the
server's aiohttp loop stays away from the loops pyHanko's synchronous API opens for each
signature, and :meth:`CscServer.stop` makes the service really unreachable (the "service
down" tests), then :meth:`CscServer.start` brings it back on the same port.

Authorization: the dummy authenticates no one (any bearer token, or none, is accepted)
and grants Signature Activation Data through ``credentials/authorize`` without a PIN
(``authMode`` implicit). With ``scal=2`` (the default) that SAD is bound to the hashes
being signed, as a qualified service binds it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from ._base import (
    ManagedProcess,
    Service,
    ServiceStartError,
    ServiceUnavailable,
    free_port,
    make_workdir,
    remove_tree,
)

logger = logging.getLogger(__name__)

ARCH = "hoso"
ROOT_LABEL = "root"
PACKAGE_HINT = "pip install certomancer-csc-dummy (the 'test' extra of pyproject.toml)"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class CscIdentity:
    """One signing certificate the service holds, served as credential ``ARCH/label``."""

    label: str
    common_name: str
    organisation: str
    unit: str = ""
    province: str = "Hải Phòng"


# The tests' school (tests/archive/conftest.py build_school: code THHN) has its seal here,
# named as the school, so a freeze with SIGNING_BACKEND=csc signs as that school.
TEST_SCHOOL = "Trường Tiểu học Hòa Nghĩa THHN"
DEFAULT_IDENTITIES: tuple[CscIdentity, ...] = (
    CscIdentity("THHN", TEST_SCHOOL, TEST_SCHOOL, unit="Văn thư"),
    CscIdentity("nguyen-thi-lan", "Nguyễn Thị Lan", TEST_SCHOOL, unit="Giáo viên chủ nhiệm"),
    CscIdentity("tran-van-hung", "Trần Văn Hưng", TEST_SCHOOL, unit="Hiệu trưởng"),
    CscIdentity(
        "le-thi-hong-nhung", "Lê Thị Hồng Nhung", "Trường Tiểu học Đằng Hải", unit="Giáo viên"
    ),
)


def ensure_installed() -> None:
    """The dummy server, Certomancer and aiohttp importable here, else ServiceUnavailable."""
    try:
        import aiohttp  # noqa: F401
        import certomancer  # noqa: F401
        import csc_dummy  # noqa: F401
    except ImportError as exc:
        raise ServiceUnavailable(
            f"certomancer-csc-dummy cannot be imported ({exc}): {PACKAGE_HINT}"
        ) from exc


class CscServer(Service):
    """certomancer-csc-dummy on ``http://127.0.0.1:PORT`` while the ``with`` block runs.

    ``url`` is the CSC base URL (``SIGNING_CSC_URL``), ``credential_ids`` the credentials
    served, ``root_cert_path`` the CA certificate (PEM) to trust, ``env()`` the SIGNING_*
    variables an application needs to sign through it.
    """

    def __init__(
        self, identities: Sequence[CscIdentity] = DEFAULT_IDENTITIES, *, scal: int = 2
    ) -> None:
        if scal not in (1, 2):
            raise ValueError("scal is 1 (SAD for any hash) or 2 (SAD bound to the hashes)")
        self.identities = tuple(identities)
        self.scal = scal
        self.workdir: Path | None = None
        self.port: int | None = None
        self._process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def credential_ids(self) -> list[str]:
        return [self.credential_id(identity.label) for identity in self.identities]

    @staticmethod
    def credential_id(label: str) -> str:
        return f"{ARCH}/{label}"

    @property
    def root_cert_path(self) -> Path:
        assert self.workdir is not None, "server not started"
        return self.workdir / "root.pem"

    # The dummy accepts any bearer token; sending one exercises the client's header path.
    auth_token = "csc-dummy-accepts-any-token"

    def env(self) -> dict[str, str]:
        return {
            "SIGNING_CSC_URL": self.url,
            "SIGNING_CSC_AUTH_TOKEN": self.auth_token,
            "SIGNING_TRUST_ROOTS": str(self.root_cert_path),
        }

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.running

    def start(self) -> Self:
        if self.running:
            return self
        ensure_installed()
        if self.workdir is None:
            self.workdir = make_workdir("csc", None)
            write_config(self.workdir, self.identities)
            self.port = free_port()
        assert self.port is not None
        config = self.workdir / "certomancer.yml"
        self._process = ManagedProcess(
            "certomancer-csc-dummy",
            [sys.executable, "-m", "devservices.csc", str(config), str(self.port), str(self.scal)],
            log_path=self.workdir / "csc.log",
            cwd=Path(__file__).resolve().parent.parent,
            stop_timeout=10,
        )
        self._process.start()
        took = self._process.wait_ready(self._answers, START_TIMEOUT, "answering /csc/v1/info")
        if not self.root_cert_path.exists():
            self._export_root()
        logger.info("CSC dummy listening at %s after %.1fs", self.url, took)
        return self

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def close(self) -> None:
        self.stop()
        remove_tree(self.workdir)
        self.workdir = None

    def _answers(self) -> bool:
        return bool(self.post("info", {}).get("specs"))

    def post(self, endpoint: str, body: dict) -> dict:
        """POST ``/csc/v1/<endpoint>`` and return the JSON answer (harness use)."""
        request = urllib.request.Request(
            f"{self.url}/csc/v1/{endpoint}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - 127.0.0.1
            return json.loads(response.read())

    def _export_root(self) -> None:
        """The CA certificate as the server issues it (Certomancer builds its certificates
        when it loads the configuration): the last of any credential's chain."""
        answer = self.post(
            "credentials/info",
            {"credentialID": self.credential_ids[0], "certificates": "chain"},
        )
        chain = answer["cert"]["certificates"]
        if len(chain) < 2:
            raise ServiceStartError(f"the CSC dummy returned no CA certificate: {answer}")
        der = base64.b64decode(chain[-1])
        body = base64.encodebytes(der).decode("ascii")
        self.root_cert_path.write_text(
            f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
        )


def write_config(directory: Path, identities: Sequence[CscIdentity]) -> Path:
    """Keys (fresh RSA, PEM) and the Certomancer configuration naming them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    keys_dir = directory / "keys"
    keys_dir.mkdir()
    labels = [ROOT_LABEL, *(identity.label for identity in identities)]
    for label in labels:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (keys_dir / f"{label}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    validity = {
        "valid-from": (now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "valid-to": (now + dt.timedelta(days=3650)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
    }
    entities = {
        ROOT_LABEL: {
            "organization-name": "Hồ sơ chuyên môn",
            "common-name": "CSC CA thử nghiệm (TEST ONLY)",
        }
    }
    certs: dict[str, dict] = {
        ROOT_LABEL: {
            "subject": ROOT_LABEL,
            "subject-key": ROOT_LABEL,
            "issuer": ROOT_LABEL,
            "authority-key": ROOT_LABEL,
            "validity": validity,
            "extensions": [
                {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                _key_usage(["key_cert_sign", "crl_sign"]),
            ],
        }
    }
    for identity in identities:
        entity = {
            "state-or-province-name": identity.province,
            "organization-name": identity.organisation,
            "common-name": identity.common_name,
        }
        if identity.unit:
            entity["organizational-unit-name"] = identity.unit
        entities[identity.label] = entity
        certs[identity.label] = {
            "subject": identity.label,
            "subject-key": identity.label,
            "issuer": ROOT_LABEL,
            "authority-key": ROOT_LABEL,
            "validity": validity,
            "extensions": [_key_usage(["digital_signature", "non_repudiation"])],
        }
    config = {
        "external-url-prefix": "http://127.0.0.1",
        "keysets": {
            ARCH: {
                "path-prefix": str(keys_dir),
                "keys": {label: {"path": f"{label}.key.pem"} for label in labels},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "VN"},
                "entities": entities,
                "certs": certs,
            }
        },
    }
    path = directory / "certomancer.yml"
    # JSON is YAML: no YAML writer needed, and the Vietnamese text stays readable.
    path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _key_usage(usages: list[str]) -> dict:
    return {
        "id": "key_usage",
        "critical": True,
        "smart-value": {"schema": "key-usage", "params": usages},
    }


def _serve(config: str, port: int, scal: int) -> None:
    """The package's CSC application (csc_dummy.runner does the same on 'localhost')."""
    from aiohttp import web
    from certomancer import registry
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams

    logging.basicConfig(level=logging.INFO)
    app = CSCWithCertomancer(
        registry.CertomancerConfig.from_file(config),
        service_params=DummyServiceParams(hash_pinning_required=scal >= 2),
    )
    app.register_routes()
    web.run_app(app.app, host="127.0.0.1", port=port, print=None)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
