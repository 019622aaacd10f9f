from django.utils.translation import gettext_lazy as _

from frontline.core.queue import ScheduledJob
from frontline.core.registry import AlertKind, CopiedPath, FrontlineApp, NavEntry


class IsolationConfig(FrontlineApp):
    name = "frontline.isolation"
    label = "isolation"
    verbose_name = _("Isolation")
    # Below checkpoints (50): the gate asks isolation, never the reverse.
    order = 45
    url_prefix = "isolation"
    api_routers = {"isolation": "frontline.isolation.api:router"}
    nav = (NavEntry("isolation:ledger", _("Isolation"), "view", order=45),)
    alert_kinds = (
        AlertKind("isolation.fever", _("fever or positive antigen in isolation"), severity="urgent", notify=True),
        AlertKind("isolation.missed_checkin", _("missed isolation check-in"), severity="warning"),
    )
    # Every half hour: before the deadline hour it finds nothing to do (ISOLATION_CHECKIN_DEADLINE_HOUR).
    scheduled_jobs = (
        ScheduledJob("isolation.missed_checkins", "frontline.isolation.tasks:missed_checkins",
                     _("alert on missed isolation check-ins"), minute="*/30"),
    )
    copied_paths = (CopiedPath("isolation.IsolationCase", "resident__household__area__path"),)
    # Building leaders and volunteers phone the isolated households and enter their check-ins.
    role_actions = {"building_leader": {"checkin"}, "volunteer": {"checkin"}}
    demo_builder = "frontline.isolation.demo:build"
    demo_order = 45
    household_states = "frontline.isolation.status:household_states"
