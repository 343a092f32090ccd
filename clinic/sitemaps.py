from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from info.sitemaps import PageSitemap


class MainPagesSitemap(Sitemap):
    """The public pages that are not information pages."""

    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return ["home", "info:index", "team", "visiting", "booking:start"]

    def location(self, item):
        return reverse(item)


sitemaps = {"main": MainPagesSitemap, "pages": PageSitemap}
