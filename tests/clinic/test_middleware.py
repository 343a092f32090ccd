"""clinic.middleware.CSPMiddleware: django-csp's headers, built once when nothing varies."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from clinic.middleware import CSPMiddleware


def serve(view, path="/info/"):
    request = RequestFactory().get(path)
    middleware = CSPMiddleware(get_response=lambda request: view(request))
    return request, middleware(request)


def test_plain_response_gets_the_policy_of_the_settings():
    _, response = serve(lambda request: HttpResponse("hello"))

    assert response[HEADER] == build_policy()
    assert "default-src 'self'" in response[HEADER]
    assert "frame-ancestors 'none'" in response[HEADER]
    assert HEADER_REPORT_ONLY not in response


def test_the_policy_is_built_once_per_process(monkeypatch):
    middleware = CSPMiddleware(get_response=lambda request: HttpResponse())
    middleware(RequestFactory().get("/"))
    monkeypatch.setattr("clinic.middleware.build_policy", lambda **kwargs: pytest.fail("built again"))

    response = middleware(RequestFactory().get("/info/"))

    assert response[HEADER] == build_policy()


def test_a_view_that_changes_the_policy_gets_its_change():
    def view(request):
        response = HttpResponse()
        response._csp_update = {"img-src": ["https://maps.example.org"]}
        return response

    _, response = serve(view)

    assert "img-src 'self' data: https://maps.example.org" in response[HEADER]


def test_a_nonce_used_by_the_page_is_in_the_header(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}

    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}"></script>')

    request, response = serve(view)

    assert f"script-src 'self' 'nonce-{request._csp_nonce}'" in response[HEADER]


def test_a_header_set_by_the_view_is_kept():
    def view(request):
        response = HttpResponse()
        response[HEADER] = "default-src 'none'"
        return response

    _, response = serve(view)

    assert response[HEADER] == "default-src 'none'"


def test_asking_for_a_nonce_after_the_header_is_written_is_an_error():
    request, _ = serve(lambda request: HttpResponse())

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_report_only_policy_and_excluded_prefixes_follow_the_settings(settings):
    settings.CONTENT_SECURITY_POLICY = {"EXCLUDE_URL_PREFIXES": ["/admin/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'none'"]}}

    _, page = serve(lambda request: HttpResponse(), path="/info/")
    _, admin = serve(lambda request: HttpResponse(), path="/admin/")

    assert page[HEADER] == "default-src 'self'"
    assert page[HEADER_REPORT_ONLY] == "default-src 'none'"
    assert HEADER not in admin
    assert admin[HEADER_REPORT_ONLY] == "default-src 'none'"
