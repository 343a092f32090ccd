from django.contrib.sitemaps import Sitemap

from info.models import Page


class PageSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Page.objects.published()

    def lastmod(self, page):
        return page.updated_at
