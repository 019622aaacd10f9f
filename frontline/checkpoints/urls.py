from django.urls import path

from . import views, views_ledgers

app_name = "checkpoints"
urlpatterns = [
    path("", views.gate_list, name="gates"),
    path("gates/new/", views.gate_form, name="gate_new"),
    path("gates/<int:pk>/edit/", views.gate_form, name="gate_edit"),
    path("gates/<int:pk>/", views.gate_screen, name="screen"),
    path("gates/<int:pk>/live/", views.live, name="live"),
    path("gates/<int:pk>/poster/", views.gate_poster, name="gate_poster"),
    path("passages/<int:passage_id>/override/", views.override, name="override"),
    path("stats/", views.statistics, name="stats"),
    path("venues/new/", views.venue_form, name="venue_new"),
    path("venues/<int:venue_id>/poster/", views.venue_poster, name="poster"),
    path("residents/<int:resident_id>/qr/", views.resident_qr, name="resident_qr"),
    path("passes/", views_ledgers.pass_list, name="passes"),
    path("passes/new/", views_ledgers.pass_new, name="pass_new"),
    path("passes/<int:pk>/pdf/", views_ledgers.pass_pdf, name="pass_pdf"),
    path("passes/<int:pk>/revoke/", views_ledgers.pass_revoke, name="pass_revoke"),
    path("exemptions/", views_ledgers.exemption_list, name="exemptions"),
    path("exemptions/new/", views_ledgers.exemption_new, name="exemption_new"),
    path("exemptions/<int:pk>/revoke/", views_ledgers.exemption_revoke, name="exemption_revoke"),
    path("policies/", views_ledgers.policy_list, name="policies"),
    path("policies/new/", views_ledgers.policy_new, name="policy_new"),
    path("policies/<int:pk>/end/", views_ledgers.policy_end, name="policy_end"),
    path("isolations/", views_ledgers.isolation_list, name="isolations"),
    path("isolations/new/", views_ledgers.isolation_new, name="isolation_new"),
    path("isolations/<int:pk>/lift/", views_ledgers.isolation_lift, name="isolation_lift"),
    path("errands/", views_ledgers.errand_list, name="errands"),
]
