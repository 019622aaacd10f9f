from django.urls import path

from .views import desk, manage, results, rounds

app_name = "screening"
urlpatterns = [
    path("", desk.IndexView.as_view(), name="index"),
    path("desk/<int:desk_id>/", desk.DeskView.as_view(), name="desk"),
    path("rounds/new/", manage.RoundCreateView.as_view(), name="round_create"),
    path("rounds/<int:round_id>/", rounds.RoundView.as_view(), name="round"),
    path("rounds/<int:round_id>/manage/", manage.RoundManageView.as_view(), name="round_manage"),
    path("rounds/<int:round_id>/coverage/", rounds.CoverageView.as_view(), name="coverage"),
    path("rounds/<int:round_id>/worklist/<int:area_id>/", rounds.WorklistView.as_view(), name="worklist"),
    path("rounds/<int:round_id>/worklist/call/", rounds.WorklistCallView.as_view(), name="worklist_call"),
    path("rounds/<int:round_id>/residents/<int:resident_id>/", rounds.ResidentActionView.as_view(), name="resident_action"),
    path("rounds/<int:round_id>/home-tasks/", rounds.HomeTasksView.as_view(), name="home_tasks"),
    path("rounds/<int:round_id>/bags/", rounds.BagsView.as_view(), name="bags"),
    path("rounds/<int:round_id>/tubes/", rounds.TubesView.as_view(), name="tubes"),
    path("rounds/<int:round_id>/summary.xlsx", rounds.SummaryXlsxView.as_view(), name="summary_xlsx"),
    path("bags/<str:barcode>/", rounds.BagView.as_view(), name="bag"),
    path("bags/<str:barcode>/manifest/", rounds.ManifestView.as_view(), name="manifest"),
    path("bags/<str:barcode>/manifest.xlsx", rounds.ManifestXlsxView.as_view(), name="manifest_xlsx"),
    path("results/import/", results.ResultImportView.as_view(), name="result_import"),
    path("results/conflicts/", results.ConflictsView.as_view(), name="conflicts"),
    path("retests/", results.RetestsView.as_view(), name="retests"),
    path("alerts/<int:alert_id>/acknowledge/", results.AlertAckView.as_view(), name="alert_ack"),
]
