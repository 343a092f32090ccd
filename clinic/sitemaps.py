from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from info.sitemaps import PageSitemap


class MainPagesSitemap(Sitemap):
    """The public pages that are not information pages. Booking pages are not indexed
    (clinic/robots.py), so they are not listed; the home page leads to them."""

    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return ["home", "info:index", "team", "visiting"]

    def location(self, item):
        return reverse(item)


sitemaps = {"main": MainPagesSitemap, "pages": PageSitemap}
