"""Caching of public pages for anonymous visitors, in the shared cache (Redis in production).

Only pages that are the same for every anonymous visitor are cached: no personal data, no CSRF
token, no form state. A visitor with a session (staff) or a pending message gets a fresh page,
so staff previews and "this time is no longer available" messages are never served to others.

Each cached page belongs to a *generation* ("info" or "slots"); bumping the generation after a
change makes every cached page of it stale at once, on every app server.

Views opt in with ``@cache_anonymous``, which stores what they render. ``PublicPageCacheMiddleware``
answers later requests for those pages early, before sessions, CSRF, messages and
authentication run, with one round trip to the cache; the security middleware above it still
adds every header.

Each process also keeps a page it has just found valid in the shared cache for ``LOCAL_SECONDS``
and serves it from its own memory meanwhile, without the round trip: a change made through
another app process shows within that second; a change made in this process clears its copies
at once.
"""

import contextlib
import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

GENERATIONS = ("info", "slots")


def _generation_key(name: str) -> str:
    return f"page-generation:{name}"


def _page_key(request) -> str:
    return "page:" + hashlib.sha256(request.get_full_path().encode()).hexdigest()


def current_generation(name: str) -> int:
    return cache.get_or_set(_generation_key(name), 1, timeout=None)


# page key -> (valid here until, in time.monotonic(); generation; content; content type)
_local_pages: dict[str, tuple[float, str, bytes, str]] = {}
LOCAL_SECONDS = 1.0
LOCAL_PAGES = 500


def _remember(page_key: str, generation: str, content: bytes, content_type: str) -> None:
    if len(_local_pages) >= LOCAL_PAGES:
        with contextlib.suppress(RuntimeError):  # another thread changed the dict meanwhile
            _local_pages.pop(next(iter(_local_pages), None), None)  # the oldest
    _local_pages[page_key] = (time.monotonic() + LOCAL_SECONDS, generation, content, content_type)


def forget_local_pages(generation: str | None = None) -> None:
    """Drop this process's copies of cached pages (of one generation, or all)."""
    for page_key, entry in list(_local_pages.items()):
        if generation is None or entry[1] == generation:
            _local_pages.pop(page_key, None)


def bump_generation(name: str) -> None:
    """Make every cached page of ``name`` stale."""
    forget_local_pages(name)
    key = _generation_key(name)
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet (or evicted): any new value differs from the old
        cache.set(key, 2, timeout=None)


def _is_cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _cached_response(request) -> HttpResponse | None:
    page_key = _page_key(request)
    local = _local_pages.get(page_key)
    if local is not None and time.monotonic() < local[0]:
        return HttpResponse(local[2], content_type=local[3])
    found = cache.get_many([page_key, *(_generation_key(name) for name in GENERATIONS)])
    entry = found.get(page_key)
    if entry is None:
        return None
    generation, version, content, content_type = entry
    if found.get(_generation_key(generation)) != version:
        return None
    _remember(page_key, generation, content, content_type)
    return HttpResponse(content, content_type=content_type)


def cache_anonymous(*, generation: str, timeout: int):
    """Cache what the decorated view renders for anonymous GETs, for up to ``timeout`` seconds."""
    if generation not in GENERATIONS:
        raise ValueError(f"Unknown page generation {generation!r}")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _is_cacheable_request(request):
                return view(request, *args, **kwargs)
            if not getattr(request, "public_page_cache_checked", False):
                cached = _cached_response(request)
                if cached is not None:
                    return cached
            version = current_generation(generation)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
                entry = (generation, version, response.content, response["Content-Type"])
                cache.set(_page_key(request), entry, timeout)
            return response

        return wrapper

    return decorator


class PublicPageCacheMiddleware:
    """Serve cached public pages before the rest of the stack runs (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_cacheable_request(request):
            cached = _cached_response(request)
            if cached is not None:
                return cached
            request.public_page_cache_checked = True
        return self.get_response(request)
