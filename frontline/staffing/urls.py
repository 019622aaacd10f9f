from django.urls import path

from . import views

app_name = "staffing"
urlpatterns = [
    path("", views.index, name="index"),
    path("units/", views.unit_list, name="units"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("checkins/<int:checkin_id>/release/", views.checkin_release, name="checkin_release"),
    path("posts/", views.post_list, name="posts"),
    path("posts/new/", views.post_new, name="post_new"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("needs/<int:need_id>/delete/", views.need_delete, name="need_delete"),
    path("rosters/", views.roster_list, name="rosters"),
    path("rosters/new/", views.roster_new, name="roster_new"),
    path("rosters/<int:roster_id>/", views.roster_detail, name="roster"),
    path("rosters/<int:roster_id>/xlsx/", views.roster_xlsx, name="roster_xlsx"),
    path("rosters/<int:roster_id>/generate/", views.roster_generate, name="roster_generate"),
    path("rosters/<int:roster_id>/publish/", views.roster_publish, name="roster_publish"),
    path("shifts/<int:shift_id>/", views.shift_edit, name="shift_edit"),
    path("shifts/<int:shift_id>/handover/", views.shift_handover, name="shift_handover"),
    path("handovers/<int:handover_id>/confirm/", views.handover_confirm, name="handover_confirm"),
    path("my/", views.my_shifts, name="my_shifts"),
    path("my/calendar/", views.my_calendar, name="my_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
