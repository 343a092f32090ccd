from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.forms import StaffLoginForm
from clinic.sitemaps import sitemaps
from info import views as info_views

urlpatterns = [
    path("", views.home, name="home"),
    path("info/", include("info.urls")),
    path("our-team/", info_views.team, name="team"),
    path("visiting-us/", info_views.visiting, name="visiting"),
    path("book/", include("booking.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="django.contrib.sitemaps.views.sitemap"),
]

handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"

admin.site.site_header = f"{settings.CLINIC_NAME}: staff"
admin.site.site_title = settings.CLINIC_NAME
admin.site.index_title = "Schedule, bookings and content"
admin.site.login_form = StaffLoginForm
