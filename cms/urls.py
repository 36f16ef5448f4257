from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from recordpages.files import media_serve
from reports.public.sitemaps import PublicSitemap

# Database down or disk full outside a view (a middleware): the 503 page, not a 500.
handler500 = "cms.views.server_error"

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"wagtail": PublicSitemap}}),
    path("xac-thuc/", include("archive.urls")),
    # The TEST-ONLY dev PKI's CRL, OCSP and TSA (404 unless it signs): archive.pki_views.
    path("pki/", include("archive.pki_urls")),
]

# Uploads (pupils' photos, documents) are private in every settings: served only to
# those who may read the file's collection, never as static files.
urlpatterns += [
    path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_serve, name="media"),
]

urlpatterns += [path("", include("search.urls"))]
urlpatterns += [path("", include("reports.public.urls"))]
urlpatterns += [path("", include(wagtail_urls))]
