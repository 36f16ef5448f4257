"""The dev PKI reached in-process: its CRL, OCSP responder and TSA asked without HTTP.

The dev PKI's certificates point to `/pki/` of the dev server (archive.pki_services),
which does not run while the demo is loaded or a test signs through Django's client.
So a signature made with the dev PKI gets its validation data the way pyHanko would
fetch it — an OCSP request built by pyhanko-certvalidator, answered by the same
responder, parsed by the same code — with the HTTP hop replaced by a call. Any other
certificate (a real CA's, the CSC dummy's) is not ours to answer: its fetch fails here
and the validation context treats it as any unreachable responder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncGenerator, Iterable

from asn1crypto import cms, crl, ocsp, tsp, x509
from pyhanko.sign import timestamps
from pyhanko_certvalidator import errors
from pyhanko_certvalidator.authority import Authority
from pyhanko_certvalidator.fetchers.api import (
    CertificateFetcher,
    CRLFetcher,
    FetcherBackend,
    Fetchers,
    OCSPFetcher,
)
from pyhanko_certvalidator.fetchers.common_utils import (
    format_ocsp_request,
    process_ocsp_response_data,
)
from pyhanko_certvalidator.util import issuer_serial

from archive.pki_services import DevPkiResponder


def _ours(cert, responder: DevPkiResponder) -> bool:
    return isinstance(cert, x509.Certificate) and cert.issuer == responder.ca_cert.subject


class _Ocsp(OCSPFetcher):
    def __init__(self, responder: DevPkiResponder, at: dt.datetime | None) -> None:
        self.responder = responder
        self.at = at
        self.responses: dict[bytes, ocsp.OCSPResponse] = {}

    async def fetch(self, cert, authority: Authority) -> ocsp.OCSPResponse:
        if not _ours(cert, self.responder):
            raise errors.OCSPFetchError("not a certificate of the dev PKI")
        tag = issuer_serial(cert)
        if tag not in self.responses:
            request = format_ocsp_request(
                cert, authority, certid_hash_algo="sha1", request_nonces=True
            )
            answer = self.responder.ocsp(request.dump(), self.at)
            self.responses[tag] = process_ocsp_response_data(
                answer, ocsp_request=request, ocsp_url=self.responder.paths.ocsp_url
            )
        return self.responses[tag]

    def fetched_responses(self) -> Iterable[ocsp.OCSPResponse]:
        return list(self.responses.values())

    def fetched_responses_for_cert(self, cert) -> Iterable[ocsp.OCSPResponse]:
        found = self.responses.get(issuer_serial(cert))
        return [found] if found is not None else []


class _Crl(CRLFetcher):
    def __init__(self, responder: DevPkiResponder, at: dt.datetime | None) -> None:
        self.responder = responder
        self.at = at
        self.by_cert: dict[bytes, list[crl.CertificateList]] = {}

    async def fetch(self, cert, *, use_deltas=None) -> Iterable[crl.CertificateList]:
        if not _ours(cert, self.responder):
            raise errors.CRLFetchError("not a certificate of the dev PKI")
        tag = issuer_serial(cert)
        if tag not in self.by_cert:
            self.by_cert[tag] = [self.responder.crl(self.at)]
        return self.by_cert[tag]

    def fetched_crls(self) -> Iterable[crl.CertificateList]:
        return [item for items in self.by_cert.values() for item in items]

    def fetched_crls_for_cert(self, cert) -> Iterable[crl.CertificateList]:
        return self.by_cert[issuer_serial(cert)]


class _Certs(CertificateFetcher):
    def __init__(self, responder: DevPkiResponder) -> None:
        self.responder = responder

    async def _issuer(self, item) -> AsyncGenerator[x509.Certificate, None]:
        ca = self.responder.ca_cert
        if item.issuer == ca.subject:
            yield ca

    def fetch_cert_issuers(self, cert: x509.Certificate | cms.AttributeCertificateV2):
        return self._issuer(cert)

    def fetch_crl_issuers(self, certificate_list: crl.CertificateList):
        return self._issuer(certificate_list)

    def fetched_certs(self) -> Iterable[x509.Certificate]:
        return [self.responder.ca_cert]


class DevPkiFetchers(FetcherBackend):
    """pyhanko-certvalidator's fetchers for the dev PKI, answered as of `at`."""

    def __init__(self, responder: DevPkiResponder, at: dt.datetime | None = None) -> None:
        self.responder = responder
        self.at = at

    def get_fetchers(self) -> Fetchers:
        return Fetchers(
            ocsp_fetcher=_Ocsp(self.responder, self.at),
            crl_fetcher=_Crl(self.responder, self.at),
            cert_fetcher=_Certs(self.responder),
        )


class DevTimeStamper(timestamps.TimeStamper):
    """The dev TSA in-process (RFC 3161 tokens by Certomancer's TimeStamper)."""

    def __init__(self, responder: DevPkiResponder, at: dt.datetime | None = None, **tsa) -> None:
        super().__init__()
        self._stamper = responder.timestamper(at, **tsa)

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return self._stamper.request_tsa_response(req)
