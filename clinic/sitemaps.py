from django.urls import reverse

from clinic.site import SiteSitemap
from info.sitemaps import PageSitemap


class MainPagesSitemap(SiteSitemap):
    """The public pages that are not information pages."""

    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return ["home", "info:index", "booking:start"]

    def location(self, item):
        return reverse(item)


sitemaps = {"main": MainPagesSitemap, "pages": PageSitemap}
