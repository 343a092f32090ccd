"""Pages that search engines must not index: everything under /book/ (DESIGN.md).

Booking pages are steps of a form or private to one patient; none of them is worth finding in
a search engine, and some carry a secret link. One rule, read by the middleware (the
``X-Robots-Tag`` header on every answer, cached pages and errors included) and by base.html
(the ``<meta name="robots">`` tag, through the context processor). The sitemap lists none of
these pages, and robots.txt keeps crawlers out of the private links only, so that they can read
the noindex of the others.
"""

NOINDEX_PREFIXES = ("/book/",)


def is_noindex(path: str) -> bool:
    return path.startswith(NOINDEX_PREFIXES)


class NoIndexMiddleware:
    """Adds ``X-Robots-Tag: noindex`` to every answer under ``NOINDEX_PREFIXES``. Placed above
    the page cache, so that pages answered from it carry the header too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_noindex(request.path_info):
            response.headers.setdefault("X-Robots-Tag", "noindex")
        return response


def robots(request) -> dict:
    """Context processor: ``noindex`` is true on the pages base.html marks as not to be indexed."""
    return {"noindex": is_noindex(request.path_info)}
