from django.urls import path

from .views import gates, ledgers

app_name = "checkpoints"
urlpatterns = [
    path("", gates.gate_list, name="gates"),
    path("gates/new/", gates.gate_form, name="gate_new"),
    path("gates/<int:pk>/edit/", gates.gate_form, name="gate_edit"),
    path("gates/<int:pk>/", gates.gate_screen, name="screen"),
    path("gates/<int:pk>/live/", gates.live, name="live"),
    path("gates/<int:pk>/poster/", gates.gate_poster, name="gate_poster"),
    path("passages/<int:passage_id>/override/", gates.override, name="override"),
    path("stats/", gates.statistics, name="stats"),
    path("venues/new/", gates.venue_form, name="venue_new"),
    path("venues/<int:venue_id>/poster/", gates.venue_poster, name="poster"),
    path("residents/<int:resident_id>/qr/", gates.resident_qr, name="resident_qr"),
    path("passes/", ledgers.pass_list, name="passes"),
    path("passes/new/", ledgers.pass_new, name="pass_new"),
    path("passes/<int:pk>/pdf/", ledgers.pass_pdf, name="pass_pdf"),
    path("passes/<int:pk>/revoke/", ledgers.pass_revoke, name="pass_revoke"),
    path("exemptions/", ledgers.exemption_list, name="exemptions"),
    path("exemptions/new/", ledgers.exemption_new, name="exemption_new"),
    path("exemptions/<int:pk>/revoke/", ledgers.exemption_revoke, name="exemption_revoke"),
    path("policies/", ledgers.policy_list, name="policies"),
    path("policies/new/", ledgers.policy_new, name="policy_new"),
    path("policies/<int:pk>/end/", ledgers.policy_end, name="policy_end"),
    path("isolations/", ledgers.isolation_list, name="isolations"),
    path("isolations/new/", ledgers.isolation_new, name="isolation_new"),
    path("isolations/<int:pk>/lift/", ledgers.isolation_lift, name="isolation_lift"),
    path("errands/", ledgers.errand_list, name="errands"),
]
