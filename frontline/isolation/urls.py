from django.urls import path

from . import views

app_name = "isolation"

urlpatterns = [
    path("", views.ledger, name="ledger"),
]
