from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def start(request):
    return render(request, "booking/coming_soon.html")
