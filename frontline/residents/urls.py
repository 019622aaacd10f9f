from django.urls import path

from . import household_views, views

app_name = "residents"
urlpatterns = [
    path("", views.ResidentListView.as_view(), name="list"),
    path("<int:pk>/", views.ResidentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ResidentEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.ResidentDeleteView.as_view(), name="delete"),
    path("<int:pk>/reveal/", views.RevealView.as_view(), name="reveal"),
    path("households/", household_views.HouseholdListView.as_view(), name="households"),
    path("households/new/", household_views.HouseholdFormView.as_view(), name="household_create"),
    path("households/<int:pk>/", household_views.HouseholdDetailView.as_view(), name="household"),
    path("households/<int:pk>/edit/", household_views.HouseholdFormView.as_view(), name="household_edit"),
    path("households/<int:pk>/delete/", household_views.HouseholdDeleteView.as_view(), name="household_delete"),
    path("households/<int:household_pk>/new-resident/", views.ResidentCreateView.as_view(), name="create"),
]
