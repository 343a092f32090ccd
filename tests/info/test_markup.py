from info.markup import render_markdown


def test_render_markdown_keeps_ordinary_formatting():
    html = render_markdown("## Heading\n\nSome **bold** text and a [link](https://example.org/).")

    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.org/" rel="noopener noreferrer">link</a>' in html


def test_render_markdown_removes_script_elements_and_their_content():
    html = render_markdown("Hello\n\n<script>alert('x')</script>\n\nWorld")

    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html and "World" in html


def test_render_markdown_removes_javascript_links():
    html = render_markdown('[click](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">raw</a>')

    assert "javascript" not in html.lower()
    assert "click" in html and "raw" in html


def test_render_markdown_removes_event_handlers_and_styles():
    html = render_markdown('<p onclick="steal()" style="color:red">Text</p><img src=x onerror="steal()">')

    assert "onclick" not in html
    assert "onerror" not in html
    assert "style" not in html
    assert "<img" not in html
    assert "Text" in html


def test_render_markdown_removes_iframes_and_data_urls():
    html = render_markdown('<iframe src="https://evil.example"></iframe>[x](data:text/html,hi)')

    assert "<iframe" not in html
    assert "data:" not in html


def test_render_markdown_allows_phone_and_email_links():
    html = render_markdown("[Call](tel:+15550100) or [write](mailto:a@example.org)")

    assert 'href="tel:+15550100"' in html
    assert 'href="mailto:a@example.org"' in html


def test_render_markdown_of_empty_text_is_empty():
    assert render_markdown("") == ""
