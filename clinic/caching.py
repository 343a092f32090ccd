"""Caching of public pages for anonymous visitors, in the shared cache (Redis in production).

Only pages that are the same for every anonymous visitor are cached: no personal data, no CSRF
token, no form state. A visitor with a session (staff) or a pending message gets a fresh page,
so staff previews and "this time is no longer available" messages are never served to others.

Each cached page belongs to a *generation* (for example "info" or "slots"); bumping the
generation after a change makes every cached page of it stale at once, on every app server.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse


def _generation_key(name: str) -> str:
    return f"page-generation:{name}"


def current_generation(name: str) -> int:
    return cache.get_or_set(_generation_key(name), 1, timeout=None)


def bump_generation(name: str) -> None:
    """Make every cached page of ``name`` stale (call after commit of the change)."""
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


def cache_anonymous(*, generation: str, timeout: int):
    """Serve anonymous GETs of the decorated view from the cache for up to ``timeout`` seconds."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _is_cacheable_request(request):
                return view(request, *args, **kwargs)
            digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            key = f"page:{generation}:{current_generation(generation)}:{digest}"
            cached = cache.get(key)
            if cached is not None:
                content, content_type = cached
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.cookies and not getattr(response, "streaming", False):
                cache.set(key, (response.content, response["Content-Type"]), timeout)
            return response

        return wrapper

    return decorator
