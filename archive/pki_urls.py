"""The dev PKI's services (/pki/): see archive.pki_views."""

from django.urls import path

from archive import pki_views

app_name = "pki"

urlpatterns = [
    path("ca.crt", pki_views.ca_certificate, name="ca_certificate"),
    path("ca.crl", pki_views.crl, name="crl"),
    path("ocsp", pki_views.ocsp, name="ocsp"),
    path("ocsp/<path:encoded>", pki_views.ocsp, name="ocsp_get"),
    path("tsa", pki_views.tsa, name="tsa"),
]
