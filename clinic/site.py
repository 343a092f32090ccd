"""The site's own address, for every absolute URL the site gives out.

Absolute URLs are built from ``CLINIC_SITE_URL``, never from the request: its Host header is
chosen by the client, and a page that repeated it could be cached and served to the next visitors
with someone else's address in it (the share link, robots.txt, the sitemap, a calendar file).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


def absolute_url(path: str) -> str:
    """``path`` (as ``reverse`` or ``get_absolute_url`` give it) on the site's own address."""
    return settings.CLINIC_SITE_URL.rstrip("/") + path


class SiteSitemap(Sitemap):
    """A sitemap whose addresses start with CLINIC_SITE_URL, whatever Host the request named."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.CLINIC_SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.CLINIC_SITE_URL).netloc
