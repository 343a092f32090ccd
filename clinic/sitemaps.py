from django.urls import reverse

from clinic.site import SiteSitemap
from info.sitemaps import PageSitemap


class MainPagesSitemap(SiteSitemap):
    """The public pages that are not information pages. Booking pages are not indexed
    (clinic/robots.py), so they are not listed; the home page leads to them."""

    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return ["home", "info:index", "team", "visiting"]

    def location(self, item):
        return reverse(item)


sitemaps = {"main": MainPagesSitemap, "pages": PageSitemap}
