from django.urls import path

from . import import_views

app_name = "residents"

urlpatterns = [
    # Ledger import and export (import_views.py)
    path("import/", import_views.ImportView.as_view(), name="import"),
    path("import/template.xlsx", import_views.TemplateDownloadView.as_view(), name="import_template"),
    path("import/<slug:job>/", import_views.ImportResultView.as_view(), name="import_result"),
    path("import/<slug:job>/progress/", import_views.ImportProgressView.as_view(), name="import_progress"),
    path("import/<slug:job>/confirm/", import_views.ImportConfirmView.as_view(), name="import_confirm"),
    path("export/", import_views.ExportView.as_view(), name="export"),
]
