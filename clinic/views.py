import logging
import secrets

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import FileResponse, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from clinic.caching import cache_anonymous
from clinic.context_processors import clinic as clinic_context
from clinic.site import absolute_url
from info.models import Page

logger = logging.getLogger(__name__)


@require_safe
@cache_anonymous(generation="info", timeout=60 * 60)
def home(request):
    pages = Page.objects.published().only("title", "slug", "summary")
    return render(request, "home.html", {"pages": pages})


def cache_answers() -> bool:
    """Whether the page cache keeps what it is given (while Redis is down, a dummy stands in)."""
    key = f"healthz:{secrets.token_hex(8)}"
    try:
        cache.set(key, "ok", timeout=10)
        answered = cache.get(key) == "ok"
        cache.delete(key)
    except OSError as exc:  # the file cache's directory is gone, full or not writable
        logger.error("Health check: cache unavailable (%s)", type(exc).__name__)
        return False
    return answered


@never_cache
@require_safe
def healthz(request):
    """200 while the database answers, whatever the cache does: the site works without the cache."""
    cache_state = "ok" if cache_answers() else "down"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.error("Health check: database unavailable (%s)", type(exc).__name__)
        return JsonResponse({"status": "error", "reason": "database unavailable", "cache": cache_state}, status=503)
    return JsonResponse({"status": "ok", "cache": cache_state})


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # The private links stay out; the other booking pages stay readable, so that crawlers
        # see their noindex (clinic/robots.py).
        "Disallow: /book/confirmed/",
        "Disallow: /book/manage/",
        f"Sitemap: {absolute_url(reverse('django.contrib.sitemaps.views.sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request):
    """/favicon.ico, for the browsers, feed readers and crawlers that ask for it there without
    reading the page's ``<link rel="icon">``: the same file as the static one."""
    return FileResponse(open(finders.find("favicon.ico"), "rb"), content_type="image/x-icon")


def server_error(request):
    """Render 500.html without touching the database, which may be why we are here."""
    try:
        template = loader.get_template("500.html")
        body = template.render({"clinic": clinic_context(request)["clinic"], "request": request})
    except Exception:  # the error page itself must never fail
        logger.exception("Rendering 500.html failed")
        body = (
            "<!doctype html><title>Server error</title><h1>Sorry, something went wrong</h1>"
            f"<p>Please try again, or call {settings.CLINIC_PHONE}.</p>"
        )
    return HttpResponseServerError(body)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def page_not_found(request, exception):
    """404 page; a broken booking link gets its own page saying how to get a working one."""
    from booking.views import LinkNotValid

    template = "booking/link_not_valid.html" if isinstance(exception, LinkNotValid) else "404.html"
    return render(request, template, status=404)
