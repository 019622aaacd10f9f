from django.urls import path

from . import household_views, import_views, views

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
    # Ledger import and export (import_views.py)
    path("import/", import_views.ImportView.as_view(), name="import"),
    path("import/template.xlsx", import_views.TemplateDownloadView.as_view(), name="import_template"),
    path("import/<slug:job>/", import_views.ImportResultView.as_view(), name="import_result"),
    path("import/<slug:job>/progress/", import_views.ImportProgressView.as_view(), name="import_progress"),
    path("import/<slug:job>/confirm/", import_views.ImportConfirmView.as_view(), name="import_confirm"),
    path("export/", import_views.ExportView.as_view(), name="export"),
]
