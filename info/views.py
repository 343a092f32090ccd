from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from clinic.caching import cache_anonymous
from clinic.site import absolute_url
from info.models import Page

# Information pages change when staff edit them; the generation is bumped on every save.
INFO_CACHE_SECONDS = 60 * 60


@require_safe
@cache_anonymous(generation="info", timeout=INFO_CACHE_SECONDS)
def index(request):
    pages = Page.objects.published().only("title", "slug", "summary")
    return render(request, "info/index.html", {"pages": pages})


@require_safe
@cache_anonymous(generation="info", timeout=INFO_CACHE_SECONDS)
def page(request, slug):
    page = Page.objects.filter(slug=slug).first()
    if page is None:
        raise Http404("No such page")
    preview = not page.published
    if preview and not request.user.has_perm("info.view_page"):
        raise Http404("No such page")

    previous_page = next_page = None
    if not preview:
        siblings = list(Page.objects.published().only("title", "slug"))
        position = next(i for i, sibling in enumerate(siblings) if sibling.pk == page.pk)
        previous_page = siblings[position - 1] if position > 0 else None
        next_page = siblings[position + 1] if position + 1 < len(siblings) else None

    return render(
        request,
        "info/page.html",
        {
            "page": page,
            "preview": preview,
            "previous_page": previous_page,
            "next_page": next_page,
            "share_url": absolute_url(page.get_absolute_url()),
        },
    )
