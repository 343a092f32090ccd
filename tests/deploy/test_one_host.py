"""One host without Redis, as `make serve` runs it: several gunicorn workers on one SQLite file.

The workers share the file cache (the default without CACHE_URL), so a change made through any
of them, or through the admin of any process of the host, shows on every worker at once.
"""

import os

import pytest
from django.conf import settings as django_settings

from clinic.settings import cache_settings
from info.models import Page
from tests.deploy.test_two_servers import Server, database_environment, send

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
LOOKUP_LIMIT = 3


@pytest.fixture(scope="module")
def host_cache_url(tmp_path_factory):
    return f"file://{tmp_path_factory.mktemp('cache')}"


@pytest.fixture(scope="module")
def workers(django_db_setup, host_cache_url, tmp_path_factory):
    """Two gunicorn servers of two workers each: four processes of one host on one database."""
    env = {
        **os.environ,
        **database_environment(),
        "CACHE_URL": host_cache_url,
        "DEBUG": "0",
        "HTTPS": "0",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "LOOKUP_RATE_LIMIT": f"{LOOKUP_LIMIT}/h",
    }
    log_dir = tmp_path_factory.mktemp("one-host")
    started = [Server("a", env, log_dir), Server("b", env, log_dir)]
    try:
        for server in started:
            server.wait_until_up()
        yield started
    finally:
        for server in started:
            server.stop()


def test_one_host_unpublishing_a_page_in_the_admin_gives_404_on_every_worker_at_once(
    workers, host_cache_url, settings, client, django_user_model
):
    settings.CACHES = cache_settings(host_cache_url)  # this process is one more process of the host
    page = Page.objects.create(title="Leaving soon", slug="leaving-soon", summary="S.", body="B.", published=True)
    for server in workers:  # each worker that answers renders the page or serves it from the cache
        assert [send(f"{server.url}/info/leaving-soon/")[0] for _ in range(10)] == [200] * 10
    client.force_login(django_user_model.objects.create_superuser("editor", "editor@example.org", "a-long-password-1"))

    response = client.post(
        f"/admin/info/page/{page.pk}/change/",
        {"title": page.title, "slug": page.slug, "summary": page.summary, "body": page.body, "order": 0},
    )

    assert response.status_code == 302
    assert Page.objects.get(pk=page.pk).published is False
    answers = [send(f"{server.url}/info/leaving-soon/")[0] for server in workers for _ in range(20)]
    assert answers == [404] * 40


def test_one_host_workers_count_a_rate_limit_once(workers):
    first, second = workers
    form = {"email": "nobody@example.org"}

    answers = [send(f"{first.url}/book/find/", data=form)[0] for _ in range(LOOKUP_LIMIT)]
    over_limit_on_second = send(f"{second.url}/book/find/", data=form)[0]
    over_limit_on_first = send(f"{first.url}/book/find/", data=form)[0]

    assert (answers, over_limit_on_second, over_limit_on_first) == ([200] * LOOKUP_LIMIT, 429, 429)
