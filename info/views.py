from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from booking.availability import opening_hours, upcoming_closures
from booking.models import AppointmentType, Clinician, clinic_tz
from clinic.caching import cache_anonymous
from clinic.site import absolute_url
from info.models import Page, VisitInfo

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


@require_safe
@cache_anonymous(generation="slots", timeout=INFO_CACHE_SECONDS)
def team(request):
    """The clinicians, from the admin. Clinician and appointment type changes bump "slots"."""
    clinicians = Clinician.objects.filter(active=True).prefetch_related(
        Prefetch("appointment_types", queryset=AppointmentType.objects.filter(active=True).only("name"))
    )
    return render(request, "info/team.html", {"clinicians": clinicians})


@require_safe
@cache_anonymous(generation="info", timeout=INFO_CACHE_SECONDS)
def visiting(request):
    """Address and phone (settings), opening hours (weekly hours, closures), practical texts (VisitInfo)."""
    now = timezone.now()
    return render(
        request,
        "info/visiting.html",
        {
            "visit_info": VisitInfo.objects.first(),
            "opening_hours": opening_hours(today=timezone.localdate(now, clinic_tz())),
            "closures": upcoming_closures(now=now),
        },
    )
