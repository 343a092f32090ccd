"""Middleware of our own: django-csp's, with the policy built once."""

from functools import cached_property

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What django-csp's decorators (@csp_update, @csp_exempt ...) leave on a response.
PER_RESPONSE_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the headers built from settings once per process.

    django-csp builds the policy from settings on every response: about a fifth of what a cached
    public page costs to serve. Without a nonce and without a view's own changes the headers are
    the same every time, so they are built on first use and reused. A request that used a nonce
    or a response changed by django-csp's decorators goes through django-csp's own code.
    """

    @cached_property
    def settings_headers(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(header, value, excluded path prefixes) of the policies in settings."""
        headers = []
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            value = build_policy(report_only=report_only)
            prefixes = tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if value:
                headers.append((header, value, prefixes))
        return headers

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in PER_RESPONSE_ATTRIBUTES
        ):
            return super().process_response(request, response)
        if response.status_code in (404, 500) and settings.DEBUG:
            return response
        for header, value, excluded_prefixes in self.settings_headers:
            if header not in response and not request.path_info.startswith(excluded_prefixes):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = self._csp_nonce_error
        return response

    @cached_property
    def _csp_nonce_error(self) -> CheckableLazyObject:
        return CheckableLazyObject(self._csp_nonce_post_response)
