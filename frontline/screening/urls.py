from django.urls import path

from . import views, views_round

app_name = "screening"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("desk/<int:desk_id>/", views.DeskView.as_view(), name="desk"),
    path("rounds/<int:round_id>/", views_round.RoundView.as_view(), name="round"),
]
