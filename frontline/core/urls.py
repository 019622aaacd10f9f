from django.urls import path

from . import jobs, offline, views

app_name = "core"
urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("jobs/", jobs.JobsView.as_view(), name="jobs"),
    path("jobs/<str:name>/run/", jobs.RunJobView.as_view(), name="job_run"),
    path("sw.js", offline.service_worker, name="service_worker"),
    path("manifest.webmanifest", offline.manifest, name="manifest"),
    path("favicon.ico", offline.favicon, name="favicon"),
]
