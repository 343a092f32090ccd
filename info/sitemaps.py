from clinic.site import SiteSitemap
from info.models import Page


class PageSitemap(SiteSitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Page.objects.published()

    def lastmod(self, page):
        return page.updated_at
