from django.urls import path

from .views import households, imports, residents

app_name = "residents"
urlpatterns = [
    path("", residents.ResidentListView.as_view(), name="list"),
    path("<int:pk>/", residents.ResidentDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", residents.ResidentEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", residents.ResidentDeleteView.as_view(), name="delete"),
    path("<int:pk>/reveal/", residents.RevealView.as_view(), name="reveal"),
    path("households/", households.HouseholdListView.as_view(), name="households"),
    path("households/new/", households.HouseholdFormView.as_view(), name="household_create"),
    path("households/<int:pk>/", households.HouseholdDetailView.as_view(), name="household"),
    path("households/<int:pk>/edit/", households.HouseholdFormView.as_view(), name="household_edit"),
    path("households/<int:pk>/delete/", households.HouseholdDeleteView.as_view(), name="household_delete"),
    path("households/<int:household_pk>/new-resident/", residents.ResidentCreateView.as_view(), name="create"),
    # Ledger import and export (views/imports.py)
    path("import/", imports.ImportView.as_view(), name="import"),
    path("import/template.xlsx", imports.TemplateDownloadView.as_view(), name="import_template"),
    path("import/<slug:job>/", imports.ImportResultView.as_view(), name="import_result"),
    path("import/<slug:job>/progress/", imports.ImportProgressView.as_view(), name="import_progress"),
    path("import/<slug:job>/confirm/", imports.ImportConfirmView.as_view(), name="import_confirm"),
    path("export/", imports.ExportView.as_view(), name="export"),
]
