"""sitemap.xml lists the public site only (reports.public.selectors)."""

from __future__ import annotations

from wagtail.contrib.sitemaps import Sitemap

from reports.public.selectors import public_pages


class PublicSitemap(Sitemap):
    def items(self):
        root = self.get_wagtail_site().root_page
        return public_pages(root).order_by("path").defer_streamfields().specific()
