import pytest

pytestmark = pytest.mark.django_db


def test_sitemap_lists_published_pages_and_main_pages_only(client, make_page, settings):
    settings.CLINIC_SITE_URL = "https://clinic.example.org"
    make_page(slug="visible-page")
    make_page(slug="draft-page", published=False)

    response = client.get("/sitemap.xml")
    xml = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert "<loc>https://clinic.example.org/info/visible-page/</loc>" in xml
    assert "<loc>https://clinic.example.org/info/what-is-ho/</loc>" in xml
    assert "draft-page" not in xml
    for path in ["/", "/info/", "/our-team/", "/visiting-us/"]:
        assert f"<loc>https://clinic.example.org{path}</loc>" in xml
    assert "/book/" not in xml  # not indexed (clinic/robots.py)


def test_robots_txt_points_at_sitemap_and_keeps_private_areas_out(client, settings):
    settings.CLINIC_SITE_URL = "https://clinic.example.org"
    response = client.get("/robots.txt")
    text = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "Sitemap: https://clinic.example.org/sitemap.xml" in text
    assert "Disallow: /admin/" in text
    assert "Disallow: /book/manage/" in text
