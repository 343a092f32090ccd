import pytest

from info.models import Page

pytestmark = pytest.mark.django_db


def test_index_lists_published_pages_in_order(client, make_page):
    Page.objects.all().delete()
    make_page(title="Second", slug="second", order=2)
    make_page(title="First", slug="first", order=1)
    make_page(title="Hidden", slug="hidden", order=0, published=False)

    response = client.get("/info/")

    assert response.status_code == 200
    assert [page.slug for page in response.context["pages"]] == ["first", "second"]
    assert b"Hidden" not in response.content


def test_page_shows_title_body_breadcrumbs_review_line_and_call_to_action(client, make_page):
    import datetime

    page = make_page(
        title="About joints",
        slug="about-joints",
        body="## Moving\n\nKeep moving.",
        last_reviewed=datetime.date(2026, 10, 5),
        reviewed_by="Dr Example",
        next_review_due=datetime.date(2027, 10, 1),
    )

    response = client.get(page.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert '<h1 id="page-title">About joints</h1>' in html
    assert "<h2>Moving</h2>" in html
    assert '<nav aria-label="Breadcrumb">' in html
    assert '<li class="breadcrumb-item active" aria-current="page">About joints</li>' in html
    assert "Reviewed by Dr Example on 5 October 2026. Next review due October 2027." in html
    assert '<a class="btn btn-primary btn-lg" href="/book/">Make an appointment</a>' in html
    assert '<meta name="description" content="Summary of page' in html


def test_page_has_previous_and_next_links_among_published_pages(client, make_page):
    Page.objects.all().delete()
    first = make_page(title="One", slug="one", order=1)
    make_page(title="Draft", slug="draft", order=2, published=False)
    middle = make_page(title="Two", slug="two", order=3)
    last = make_page(title="Three", slug="three", order=4)

    response = client.get(middle.get_absolute_url())

    assert response.context["previous_page"] == first
    assert response.context["next_page"] == last
    assert 'href="/info/one/" rel="prev"' in response.content.decode()
    assert 'href="/info/three/" rel="next"' in response.content.decode()
    assert client.get(first.get_absolute_url()).context["previous_page"] is None
    assert client.get(last.get_absolute_url()).context["next_page"] is None


def test_page_has_share_this_page_box(client, make_page, settings):
    settings.CLINIC_SITE_URL = "https://clinic.example.org"
    page = make_page(title="Share me", slug="share-me")

    html = client.get(page.get_absolute_url()).content.decode()

    assert "Share this page" in html
    assert 'value="https://clinic.example.org/info/share-me/"' in html
    assert 'href="mailto:?subject=Share%20me&amp;body=https%3A//clinic.example.org/info/share-me/"' in html
    assert "data-share-native hidden" in html


def test_unpublished_page_is_404_for_the_public(client, make_page):
    page = make_page(slug="draft", published=False)

    response = client.get(page.get_absolute_url())

    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_unpublished_page_is_previewable_by_staff(staff_client, make_page):
    page = make_page(title="Draft page", slug="draft", published=False)

    response = staff_client.get(page.get_absolute_url())

    assert response.status_code == 200
    assert response.context["preview"] is True
    assert b"This page is not published: only staff can see it." in response.content


def test_unpublished_page_is_404_for_staff_without_page_permission(client, django_user_model, make_page):
    user = django_user_model.objects.create_user("reception", password="a-long-test-password", is_staff=True)
    client.force_login(user)
    page = make_page(slug="draft", published=False)

    assert client.get(page.get_absolute_url()).status_code == 404


def test_unknown_page_is_404(client):
    assert client.get("/info/no-such-page/").status_code == 404


def test_page_body_script_and_javascript_link_are_removed(client, make_page):
    page = make_page(
        slug="hostile",
        body="Hi <script>alert('owned')</script> [x](javascript:alert(1)) <a href='javascript:void(0)'>y</a>",
    )

    html = client.get(page.get_absolute_url()).content.decode()

    assert "alert('owned')" not in html
    assert "javascript:" not in html.lower()


def test_page_title_is_escaped(client, make_page):
    page = make_page(slug="escaped", title="<b>Bold</b> title")

    html = client.get(page.get_absolute_url()).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; title" in html
    assert "<b>Bold</b> title" not in html


def test_information_page_costs_at_most_three_queries(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/info/diagnosis/")

    assert response.status_code == 200


def test_info_index_costs_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get("/info/")


def test_info_pages_only_answer_get_and_head(client):
    assert client.post("/info/diagnosis/").status_code == 405
    assert client.head("/info/diagnosis/").status_code == 200


def test_published_queryset_excludes_drafts(make_page):
    Page.objects.all().delete()
    live = make_page(slug="live")
    make_page(slug="draft", published=False)

    assert list(Page.objects.published()) == [live]


def test_saving_a_page_renders_its_body(make_page):
    page = make_page(body="*one*")

    page.body = "**two**"
    page.save(update_fields=["body"])
    page.refresh_from_db()

    assert page.body_html == "<p><strong>two</strong></p>"
