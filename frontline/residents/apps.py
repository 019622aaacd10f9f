from django.utils.translation import gettext_lazy as _

from frontline.core.queue import ScheduledJob
from frontline.core.registry import AlertKind, CopiedPath, FrontlineApp, NavEntry


class ResidentsConfig(FrontlineApp):
    name = "frontline.residents"
    label = "residents"
    verbose_name = _("Residents")
    order = 30
    url_prefix = "residents"
    api_routers = {"residents": "frontline.residents.api:router",
                   "households": "frontline.residents.households_api:router"}
    nav = (
        NavEntry("residents:list", _("Residents"), "view", order=20),
        NavEntry("residents:households", _("Households"), "view", order=21),
        NavEntry("residents:import", _("Import"), "import", order=22),
        NavEntry("residents:export", _("Export"), "export", order=23),
    )
    dashboard_panels = "frontline.residents.dashboard:panels"
    copied_paths = (
        CopiedPath("residents.NameKey", "resident__household__area__path"),
        CopiedPath("residents.ResidentTag", "resident__household__area__path"),
    )
    alert_kinds = (
        # The end of an import, for the person who started it (assigned to them), in their language.
        AlertKind("residents.import_done", _("import finished"), action="import", severity="info",
                  link="frontline.residents.import_jobs:alert_link"),
    )
    scheduled_jobs = (
        ScheduledJob("residents.sweep_import_uploads", "frontline.residents.tasks:sweep_import_uploads",
                     _("delete uploaded ledgers older than a day"), minute="17"),
    )
