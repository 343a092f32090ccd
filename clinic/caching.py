"""Caching of public pages for anonymous visitors, in the page cache (the "default" cache alias).

Only pages that are the same for every anonymous visitor are cached: no personal data, no CSRF
token, no form state. A visitor with a session (staff) or a pending message gets a fresh page,
so staff previews and "this time is no longer available" messages are never served to others;
an answer that sets a cookie, says ``Cache-Control: private`` or is not a 200 is never kept.

A view opts in with ``@cache_anonymous``, which only marks it (as ``csrf_exempt`` does).
``PublicPageCacheMiddleware`` does the rest. It sits above django-csp's middleware, sessions, CSRF
and authentication: a cached page is answered with one cache round trip before any of them run,
and is stored as the stack below answered it, headers (the Content-Security-Policy) included, as
Django's own cache middleware does. The security middleware above it adds its headers every time.

The cache key is the path plus only the query parameters the view says it reads (``query``):
unknown ones (``?utm_source=``, ``?flood=1``) are ignored, so they neither miss the cache nor add
pages to it. What can be cached is therefore bounded by the site's own pages: paths that do not
resolve to a marked view are never looked up, and a 404 is never stored.

Each cached page belongs to a *generation* ("info" or "slots"). A change says so with
``bump_generation``, which gives the generation a new random value: every cached page of it is
stale at once, for every worker and app server that shares the cache. A random value rather than a
counter, so that a generation evicted from the cache can never come back with an old value and
revive pages stored under it.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

GENERATIONS = ("info", "slots")

# What a view reads from the query string, as it should appear in the cache key; None: do not use
# the cache for this request.
QueryParams = Callable[[HttpRequest], dict[str, str] | None]


def no_query_parameters(request: HttpRequest) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class CachedPage:
    generation: str
    timeout: int
    query: QueryParams


def cache_anonymous(*, generation: str, timeout: int, query: QueryParams = no_query_parameters):
    """Mark a view whose anonymous GETs are cached for up to ``timeout`` seconds.

    ``query`` returns the query parameters the page depends on, in the form the cache key should
    use (by default none: every query parameter is ignored).
    """
    if generation not in GENERATIONS:
        raise ValueError(f"Unknown page generation {generation!r}")

    def decorator(view):
        # Read by the middleware from the resolved view; decorators applied on top of this one
        # (functools.wraps) carry the attribute along.
        view.cached_page = CachedPage(generation=generation, timeout=timeout, query=query)
        return view

    return decorator


def _generation_key(name: str) -> str:
    return f"page-generation:{name}"


def _new_generation() -> str:
    return secrets.token_hex(8)


def current_generation(name: str) -> str:
    return cache.get_or_set(_generation_key(name), _new_generation, timeout=None)


def bump_generation(name: str) -> None:
    """Make every cached page of ``name`` stale, on every worker and server sharing the cache."""
    cache.set(_generation_key(name), _new_generation(), timeout=None)


def page_key(request: HttpRequest, query: dict[str, str]) -> str:
    address = request.path + ("?" + urlencode(sorted(query.items())) if query else "")
    return "page:" + hashlib.sha256(address.encode()).hexdigest()


def _cached_page_of(request: HttpRequest) -> CachedPage | None:
    """How the view of this request is cached, or None when this request is not served from the cache."""
    if (
        request.method not in ("GET", "HEAD")
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or "messages" in request.COOKIES
    ):
        return None
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return getattr(match.func, "cached_page", None)


def _can_keep(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


class PublicPageCacheMiddleware:
    """Answer marked pages from the cache, and keep what the stack below answered for them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        page = _cached_page_of(request)
        query = page.query(request) if page is not None else None
        if query is None:
            return self.get_response(request)

        key = page_key(request, query)
        generation_key = _generation_key(page.generation)
        found = cache.get_many([key, generation_key])
        generation = found.get(generation_key)
        entry = found.get(key)
        if entry is not None and generation is not None and entry[0] == generation:
            _, content, headers = entry
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            return response

        # Read before the page is rendered: a change committed meanwhile bumps the generation,
        # so what is rendered now can never be served after it.
        if generation is None:
            generation = current_generation(page.generation)
        response = self.get_response(request)
        if request.method == "GET" and _can_keep(response):
            cache.set(key, (generation, response.content, list(response.items())), page.timeout)
        return response
