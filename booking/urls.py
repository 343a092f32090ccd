from django.urls import path

from booking import views

app_name = "booking"
urlpatterns = [
    path("", views.start, name="start"),
    path("find/", views.find, name="find"),
    path("slot/<int:slot_id>/", views.details, name="details"),
    path("confirmed/<str:token>/", views.confirmed, name="confirmed"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/cancel/", views.cancel, name="cancel"),
    path("manage/<str:token>/reschedule/", views.reschedule, name="reschedule"),
    path("manage/<str:token>/calendar.ics", views.calendar_file, name="calendar"),
    path("<slug:type_slug>/", views.week, name="week"),
]
