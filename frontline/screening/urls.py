from django.urls import path

from . import views, views_manage, views_results, views_round

app_name = "screening"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("desk/<int:desk_id>/", views.DeskView.as_view(), name="desk"),
    path("rounds/new/", views_manage.RoundCreateView.as_view(), name="round_create"),
    path("rounds/<int:round_id>/", views_round.RoundView.as_view(), name="round"),
    path("rounds/<int:round_id>/manage/", views_manage.RoundManageView.as_view(), name="round_manage"),
    path("rounds/<int:round_id>/coverage/", views_round.CoverageView.as_view(), name="coverage"),
    path("rounds/<int:round_id>/worklist/<int:area_id>/", views_round.WorklistView.as_view(), name="worklist"),
    path("rounds/<int:round_id>/residents/<int:resident_id>/", views_round.ResidentActionView.as_view(), name="resident_action"),
    path("rounds/<int:round_id>/home-tasks/", views_round.HomeTasksView.as_view(), name="home_tasks"),
    path("rounds/<int:round_id>/bags/", views_round.BagsView.as_view(), name="bags"),
    path("rounds/<int:round_id>/tubes/", views_round.TubesView.as_view(), name="tubes"),
    path("rounds/<int:round_id>/summary.xlsx", views_round.SummaryXlsxView.as_view(), name="summary_xlsx"),
    path("bags/<str:barcode>/", views_round.BagView.as_view(), name="bag"),
    path("bags/<str:barcode>/manifest/", views_round.ManifestView.as_view(), name="manifest"),
    path("bags/<str:barcode>/manifest.xlsx", views_round.ManifestXlsxView.as_view(), name="manifest_xlsx"),
    path("results/import/", views_results.ResultImportView.as_view(), name="result_import"),
    path("results/conflicts/", views_results.ConflictsView.as_view(), name="conflicts"),
    path("retests/", views_results.RetestsView.as_view(), name="retests"),
    path("alerts/<int:alert_id>/acknowledge/", views_results.AlertAckView.as_view(), name="alert_ack"),
]
