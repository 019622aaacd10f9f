from django.urls import path

from . import views

app_name = "isolation"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/checkin/", views.checkin, name="checkin"),
    path("cases/<int:pk>/extend/", views.extend, name="extend"),
    path("cases/<int:pk>/exposure/", views.exposure, name="exposure"),
    path("cases/<int:pk>/notes/", views.notes, name="notes"),
    path("cases/<int:pk>/transfer/", views.transfer, name="transfer"),
    path("cases/<int:pk>/release/", views.release, name="release"),
    path("cases/<int:pk>/hospitalise/", views.hospitalise, name="hospitalise"),
    path("cases/<int:pk>/return-home/", views.return_home, name="return_home"),
    path("cases/<int:pk>/home-sampling/", views.home_sampling, name="home_sampling"),
    path("transfers/<int:pk>/confirm/", views.confirm_transfer, name="confirm_transfer"),
    path("sites/", views.sites, name="sites"),
    path("sites/new/", views.site_new, name="site_new"),
]
