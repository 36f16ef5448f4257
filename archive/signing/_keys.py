"""The school's signer: its PKCS#12 file, its PKCS#11 token or the TEST-ONLY dev PKI,
opened for one signature (settings.SIGNING); and the trust roots signatures are
validated against."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from django.conf import settings
from pyhanko.sign import signers, timestamps
from pyhanko.sign.general import SigningError, load_cert_from_pemder
from pyhanko_certvalidator import ValidationContext

from archive import devpki
from archive.signing._csc import csc_signer, seal_credential_id
from archive.signing._errors import SigningUnavailable
from archive.signing._names import certificate_names_unit


def dev_pki() -> devpki.DevPkiPaths:
    return devpki.DevPkiPaths(
        Path(settings.SIGNING["DEV_PKI_DIR"]),
        settings.SIGNING.get("DEV_PKI_URL") or devpki.DEFAULT_URL,
    )


class _KeyCachingSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every raw signature
    (twice per PDF: the size estimate signs too), ~60 ms each for an RSA key.
    This one parses it once; mechanisms it does not handle go to pyHanko."""

    _pyca_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign.general import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        key = self._pyca_key
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algorithm)
        if algorithm == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, signature_algorithm=ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)


# (path, mtime, size, passphrase) -> signer: a school's PKCS#12 file is read once per
# process (opening it checks the RSA key, ~60 ms), again only when the file changes.
_signer_cache: dict[tuple, signers.SimpleSigner] = {}


def _cached_pkcs12_signer(path: Path, passphrase: bytes | None) -> signers.SimpleSigner | None:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, passphrase)
    signer = _signer_cache.get(key)
    if signer is None:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
        if signer is None:
            return None
        signer.__class__ = _KeyCachingSigner
        _signer_cache[key] = signer
    return signer


def trust_roots() -> list[asn1_x509.Certificate]:
    configured = settings.SIGNING.get("TRUST_ROOTS")
    if configured:
        paths = [Path(p) for p in configured.split(os.pathsep) if p]
    else:
        paths = [dev_pki().ca_cert]
    roots = []
    for path in paths:
        if path.exists():
            roots.append(load_cert_from_pemder(str(path)))
    return roots


CLOCK_TOLERANCE = dt.timedelta(seconds=60)


def _dev_pki_trusted(roots: list[asn1_x509.Certificate] | None = None) -> bool:
    """Whether the TEST-ONLY dev CA is a trust root here (the dev and test setups):
    then its revocation services and TSA are answered in-process. Without configured
    trust roots it is the only one (made now if need be)."""
    paths = dev_pki()
    if not settings.SIGNING.get("TRUST_ROOTS"):
        devpki.ensure_ca(paths)
        return True
    if not paths.ca_cert.exists():
        return False
    ca_der = load_cert_from_pemder(str(paths.ca_cert)).dump()
    return any(root.dump() == ca_der for root in roots or trust_roots())


def _in_process() -> bool:
    return bool(settings.SIGNING.get("DEV_PKI_IN_PROCESS", True))


def dev_responder():
    from archive.pki_services import DevPkiResponder

    return DevPkiResponder(dev_pki())


def validation_context(
    *, for_signing: bool = False, at: dt.datetime | None = None
) -> ValidationContext:
    """The trust roots, and for signing the revocation data of every certificate in
    the chain, fetched (soft-fail: a responder that cannot be reached leaves the
    signature without it, and the archive's long-term check says so). `at` is the
    time the answers speak for (the extension tests travel in time)."""
    dev = for_signing and _in_process() and _dev_pki_trusted()
    roots = trust_roots()
    allow_fetching = bool(settings.SIGNING.get("ALLOW_FETCHING", for_signing))
    # The context's time is fixed here; answers fetched later in the same signature
    # (a slow stamp, a slow responder) would be "too recent" for it by more than
    # pyHanko's one second, so the dev PKI answers as of this moment and a real CA's
    # clock may run up to a minute ahead.
    moment = at or dt.datetime.now(dt.UTC)
    backend = None
    if dev:
        from archive.signing._devfetch import DevPkiFetchers

        backend, allow_fetching = DevPkiFetchers(dev_responder(), moment), True
    return ValidationContext(
        trust_roots=roots,
        allow_fetching=allow_fetching,
        revocation_mode="soft-fail",
        moment=moment,
        time_tolerance=CLOCK_TOLERANCE,
        fetcher_backend=backend,
    )


def timestamper(at: dt.datetime | None = None) -> timestamps.TimeStamper | None:
    """The TSA: TSA_URL when set; else the dev PKI's own, in-process, where the dev CA
    is trusted (every dev and test signature is then PAdES B-T and the archive B-LTA);
    else none (B-B)."""
    tsa_url = settings.SIGNING.get("TSA_URL")
    if tsa_url:
        return timestamps.HTTPTimeStamper(tsa_url, timeout=15)
    if _dev_pki_trusted():
        from archive.signing._devfetch import DevTimeStamper

        paths = dev_pki()
        devpki.ensure_tsa(paths)
        if not _in_process():
            return timestamps.HTTPTimeStamper(f"{paths.url.rstrip('/')}/tsa", timeout=15)
        return DevTimeStamper(dev_responder(), at)
    return None


def _dev_signer(school) -> signers.SimpleSigner | None:
    """The TEST-ONLY certificate of the school, in the school's current name: one made
    for an earlier name of the code (a renamed school, a test school reusing a code)
    is issued again, so that what is signed names the school as it is."""
    paths = dev_pki()
    devpki.ensure_ca(paths)
    devpki.ensure_school_cert(paths, code=school.code, name=school.name)
    path = paths.school_p12(school.code)
    signer = _cached_pkcs12_signer(path, devpki.DEV_PASSPHRASE)
    if signer is not None and not certificate_names_unit(signer.signing_cert, school.name):
        path.unlink()
        devpki.ensure_school_cert(paths, code=school.code, name=school.name)
        signer = _cached_pkcs12_signer(path, devpki.DEV_PASSPHRASE)
    return signer


def _load_pkcs12_signer(school) -> signers.SimpleSigner:
    backend = settings.SIGNING["BACKEND"]
    if backend == "dev":
        signer = _dev_signer(school)
        if signer is None:
            raise SigningUnavailable(f"Cannot open the dev certificate of school {school.code}")
        return signer
    directory = settings.SIGNING.get("PKCS12_DIR")
    if not directory:
        raise SigningUnavailable("SIGNING_PKCS12_DIR is not set")
    path = Path(directory, f"{school.code}.p12")
    passphrase = (settings.SIGNING.get("PKCS12_PASSPHRASE") or "").encode() or None
    if not path.exists():
        raise SigningUnavailable(f"No PKCS#12 file for school {school.code}")
    signer = _cached_pkcs12_signer(path, passphrase)
    if signer is None:
        raise SigningUnavailable(f"Cannot open the PKCS#12 file of school {school.code}")
    return signer


@contextlib.contextmanager
def _school_signer(school):
    """The school's signer (its PKCS#11 token, or its PKCS#12 file) for the length of
    the block, the token's session closed after it. A key, token or TSA that fails
    inside the block becomes SigningUnavailable: the job is retried later."""
    try:
        if settings.SIGNING["BACKEND"] == "pkcs11":
            with _school_pkcs11_signer(school) as signer:
                yield signer
        elif settings.SIGNING["BACKEND"] == "csc":
            with csc_signer(seal_credential_id(school.code)) as signer:
                yield signer
        else:
            yield _load_pkcs12_signer(school)
    except timestamps.TimestampRequestError as exc:
        raise SigningUnavailable(f"TSA unavailable: {exc}") from exc
    except (OSError, SigningError) as exc:
        raise SigningUnavailable(str(exc)) from exc


# --- PKCS#11 ----------------------------------------------------------------------------

SCHOOL_CODE = "{school_code}"

# PKCS#11 logs in per token and per process, not per session: a second session logging in
# while the first is open gets CKR_USER_ALREADY_LOGGED_IN. One signature at a time per
# token in this process (the archive worker signs one job at a time anyway).
_token_locks: dict[tuple[str, str], threading.Lock] = {}
_token_locks_guard = threading.Lock()


def _token_lock(module: str, token_label: str) -> threading.Lock:
    with _token_locks_guard:
        return _token_locks.setdefault((module, token_label), threading.Lock())


@contextlib.contextmanager
def pkcs11_signer(
    *,
    module: str,
    token_label: str,
    pin: str | None,
    key_label: str,
    cert_label: str | None = None,
) -> Iterator[Any]:
    """A pyHanko PKCS11Signer on the token labelled ``token_label`` (logged in with
    ``pin``; None leaves it to the token's own PIN pad), its key and certificate found by
    label (the certificate's label defaults to the key's), the session closed after the
    block. A token, PIN, key or certificate that cannot be had raises SigningUnavailable
    naming the token and the label, never the PIN."""
    from pkcs11 import exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11 as sign_pkcs11

    cert_label = cert_label or key_label
    with _token_lock(module, token_label):
        try:
            session = sign_pkcs11.open_pkcs11_session(
                module, token_criteria=TokenCriteria(label=token_label), user_pin=pin
            )
        except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.PinInvalid) as exc:
            raise SigningUnavailable(
                f"The PIN of PKCS#11 token {token_label!r} was refused ({type(exc).__name__})"
            ) from exc
        except p11_errors.PinLocked as exc:
            raise SigningUnavailable(f"The PIN of PKCS#11 token {token_label!r} is locked") from exc
        except p11_errors.PKCS11Error as exc:
            raise SigningUnavailable(
                f"No PKCS#11 token {token_label!r} in {module}: {exc or type(exc).__name__}"
            ) from exc
        try:
            signer = sign_pkcs11.PKCS11Signer(
                session, cert_label=cert_label, key_label=key_label, other_certs_to_pull=None
            )
            try:
                signer.signing_cert  # noqa: B018 - loads the certificate and the key now
            except p11_errors.PKCS11Error as exc:
                raise SigningUnavailable(
                    f"PKCS#11 token {token_label!r}: no usable key {key_label!r} with "
                    f"certificate {cert_label!r} ({exc or type(exc).__name__})"
                ) from exc
            yield signer
        except p11_errors.PKCS11Error as exc:
            # The token failed while signing (unplugged, session lost): retry later.
            raise SigningUnavailable(
                f"PKCS#11 token {token_label!r} failed while signing: {exc or type(exc).__name__}"
            ) from exc
        finally:
            session.close()


def pkcs11_label(template: str, school_code: str) -> str:
    """A token or key label from its configured template, e.g. "{school_code}" or
    "Truong-{school_code}"; a template without the placeholder is one label for all."""
    return template.replace(SCHOOL_CODE, school_code)


def _school_pin(school_code: str) -> str | None:
    """The school's own PIN file (<SIGNING_PKCS11_PIN_DIR>/<school code>) if there is one,
    else SIGNING_PKCS11_PIN, else None (the token's PIN pad)."""
    pin_dir = settings.SIGNING.get("PKCS11_PIN_DIR")
    if pin_dir:
        if not school_code or "/" in school_code or school_code.startswith("."):
            raise SigningUnavailable(f"School code {school_code!r} cannot name a PIN file")
        path = Path(pin_dir, school_code)
        if path.is_file():
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        if not settings.SIGNING.get("PKCS11_PIN"):
            raise SigningUnavailable(f"No PIN file {path} for school {school_code}")
    return settings.SIGNING.get("PKCS11_PIN") or None


@contextlib.contextmanager
def _school_pkcs11_signer(school) -> Iterator[Any]:
    """The school's signer on its own token: token and key labels from their templates."""
    module = settings.SIGNING.get("PKCS11_MODULE")
    if not module:
        raise SigningUnavailable("SIGNING_PKCS11_MODULE is not set")
    token_label = pkcs11_label(
        settings.SIGNING.get("PKCS11_TOKEN_LABEL") or SCHOOL_CODE, school.code
    )
    key_label = pkcs11_label(settings.SIGNING.get("PKCS11_KEY_LABEL") or SCHOOL_CODE, school.code)
    with contextlib.ExitStack() as stack:
        try:
            signer = stack.enter_context(
                pkcs11_signer(
                    module=module,
                    token_label=token_label,
                    pin=_school_pin(school.code),
                    key_label=key_label,
                )
            )
        except SigningUnavailable as exc:
            # Opening failed: say whose key it was. (Errors inside the block are not
            # rewritten: they are the signature's, not the token's.)
            raise SigningUnavailable(f"School {school.code}: {exc}") from exc.__cause__
        yield signer
