"""Remote signing through the Cloud Signature Consortium API (CSC 1.0.4), with
pyHanko's CSC signer: the key stays at the signing service, which signs the hash of
what pyHanko prepares. A credential's certificate is read from the service first
(``credentials/info``), so the caller can check whom it names before anything is signed.

pyHanko's CSC signer is asynchronous (aiohttp); pyHanko's synchronous API runs each
signature in an event loop of its own. An aiohttp session belongs to the loop that
made it, so every request here gets a short session in the loop that sends it, and the
synchronous helpers assume no running loop (a worker, a Django request thread) but still
work from one (an async view: the coroutine runs on a thread of its own).

Settings (settings.SIGNING, from the environment through cms/env.py): ``CSC_URL`` (the
base URL before ``/csc/v1/``), ``CSC_AUTH_TOKEN`` (the OAuth2 bearer token the service
issued to this installation), ``CSC_PIN`` (for credentials whose authorization asks
for one), ``CSC_TIMEOUT`` (seconds per request), ``CSC_SEAL_CREDENTIAL`` (the school
seal's credential id, ``{school_code}`` replaced, for SIGNING_BACKEND=csc).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import aiohttp
from django.conf import settings
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import Signer
from pyhanko.sign.signers import csc_signer as pyhanko_csc

from archive.signing._errors import SigningUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT = 30


@dataclass(frozen=True)
class CscAuth:
    """What the service asks of this installation: its OAuth2 bearer token and, for a
    credential whose authorization asks for one, the PIN. Never printed."""

    token: str | None = field(default=None, repr=False)
    pin: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class _Service:
    url: str
    auth: CscAuth
    timeout: int

    @property
    def where(self) -> str:
        """The service's host for messages: the URL without any user info or path."""
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)

    def session_info(self, credential_id: str) -> pyhanko_csc.CSCServiceSessionInfo:
        return pyhanko_csc.CSCServiceSessionInfo(
            service_url=self.url, credential_id=credential_id, oauth_token=self.auth.token
        )


def _service(service_url: str | None, auth: CscAuth | None) -> _Service:
    conf = settings.SIGNING
    url = (service_url or conf.get("CSC_URL") or "").rstrip("/")
    if not url:
        raise SigningUnavailable("SIGNING_CSC_URL is not set: no remote signing service")
    if auth is None:
        auth = CscAuth(token=conf.get("CSC_AUTH_TOKEN") or None, pin=conf.get("CSC_PIN") or None)
    return _Service(url=url, auth=auth, timeout=int(conf.get("CSC_TIMEOUT") or DEFAULT_TIMEOUT))


def _run(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end from synchronous code, on a loop of its own; on a
    thread of its own when this thread already runs a loop (it cannot be re-entered)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="csc") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


class _RequestSession:
    """Stands in for the aiohttp session pyHanko's CSC code posts through: one session
    per request, made in the loop that sends it (see the module's docstring)."""

    @contextlib.asynccontextmanager
    async def post(self, url: str, **kwargs: Any) -> AsyncIterator[aiohttp.ClientResponse]:
        async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as response:
            yield response


class _PinnedAuthorization(pyhanko_csc.CSCAuthorizationManager):
    """Signature activation data for exactly the hashes about to be signed: what a
    SCAL 2 service (a qualified one) requires, and what a SCAL 1 service accepts."""

    def __init__(self, service: _Service, credential_id: str, info: pyhanko_csc.CSCCredentialInfo):
        super().__init__(service.session_info(credential_id), info)
        self._service = service

    async def authorize_signature(self, hash_b64s: list[str]) -> pyhanko_csc.CSCAuthorizationInfo:
        body = self.format_csc_auth_request(hash_b64s=hash_b64s, pin=self._service.auth.pin)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        try:
            async with _RequestSession().post(
                url,
                headers=self.auth_headers,
                json=body,
                raise_for_status=True,
                timeout=aiohttp.ClientTimeout(total=self._service.timeout),
            ) as response:
                answer = await response.json()
        except aiohttp.ClientError as exc:
            raise SigningError("Authorization request failed") from exc
        return self.parse_csc_auth_response(answer)


class _CscSigner(pyhanko_csc.CSCSigner):
    """pyHanko's CSC signer, keeping why its last request failed: pyHanko logs it and
    raises a bare "No signing results available", which would not say why."""

    last_failure: BaseException | None = None

    async def commit(self) -> None:
        self.last_failure = None
        try:
            await super().commit()
        except (SigningError, aiohttp.ClientError, TimeoutError) as exc:
            self.last_failure = exc
            raise


def _reason(exc: BaseException, timeout: int) -> str:
    """Why a request failed, from the innermost cause: status, unreachable or slow."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, aiohttp.ClientResponseError):
            return f"the service answered HTTP {seen.status} {seen.message}"
        if isinstance(seen, aiohttp.ClientConnectionError):
            return "the service is unreachable"
        if isinstance(seen, TimeoutError):
            return f"the service did not answer within {timeout}s"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _unavailable(service: _Service, credential_id: str, exc: BaseException) -> SigningUnavailable:
    return SigningUnavailable(
        f"CSC credential {credential_id!r} at {service.where}: {_reason(exc, service.timeout)}"
    )


def _credential_info(service: _Service, credential_id: str) -> pyhanko_csc.CSCCredentialInfo:
    session_info = service.session_info(credential_id)
    try:
        info = _run(
            lambda: pyhanko_csc.fetch_certs_in_csc_credential(
                _RequestSession(),  # type: ignore[arg-type]  # posts as a ClientSession does
                session_info,
                timeout=service.timeout,
            )
        )
    except (SigningError, aiohttp.ClientError, TimeoutError) as exc:
        raise _unavailable(service, credential_id, exc) from exc
    status = (info.response_data.get("key") or {}).get("status", "enabled")
    if status != "enabled":
        raise SigningUnavailable(
            f"CSC credential {credential_id!r} at {service.where}: its key is {status}"
        )
    return info


def csc_credential_certificate(
    credential_id: str, *, service_url: str | None = None, auth: CscAuth | None = None
) -> bytes:
    """The credential's signing certificate (DER), as the service holds it: read before
    signing, so the caller can check whom it names (a person, the school's seal)."""
    service = _service(service_url, auth)
    return bytes(_credential_info(service, credential_id).signing_cert.dump())


@contextlib.contextmanager
def csc_signer(
    credential_id: str, *, service_url: str | None = None, auth: CscAuth | None = None
) -> Iterator[Signer]:
    """A pyHanko Signer for the CSC credential, its certificate and chain read from the
    service, for the length of the block. Each signature is authorized for its own
    hash. A service that is down, refuses or does not know the credential raises
    SigningUnavailable naming the credential, on entry or from inside the block."""
    service = _service(service_url, auth)
    info = _credential_info(service, credential_id)
    signer = _CscSigner(
        session=_RequestSession(),  # type: ignore[arg-type]  # posts as a ClientSession does
        auth_manager=_PinnedAuthorization(service, credential_id, info),
        sign_timeout=service.timeout,
    )
    try:
        yield signer
    except (SigningError, aiohttp.ClientError, TimeoutError) as exc:
        logger.warning("CSC signing with %r failed: %s", credential_id, exc)
        raise _unavailable(service, credential_id, signer.last_failure or exc) from exc


def seal_credential_id(school_code: str) -> str:
    """The school seal's credential at the service (SIGNING_CSC_SEAL_CREDENTIAL)."""
    template = settings.SIGNING.get("CSC_SEAL_CREDENTIAL") or "{school_code}"
    try:
        return template.format(school_code=school_code)
    except (KeyError, IndexError, ValueError) as exc:
        raise SigningUnavailable(
            f"SIGNING_CSC_SEAL_CREDENTIAL {template!r} may only use {{school_code}}"
        ) from exc
