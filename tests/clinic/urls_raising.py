"""A URLconf with a view that fails, to see the 500 page as a patient would."""

from django.urls import path

from clinic.urls import urlpatterns as clinic_urlpatterns


def broken(request):
    raise RuntimeError("secret internal detail")


urlpatterns = [path("broken/", broken), *clinic_urlpatterns]
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
