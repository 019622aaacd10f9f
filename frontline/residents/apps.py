from django.utils.translation import gettext_lazy as _

from frontline.core.registry import CopiedPath, FrontlineApp, NavEntry


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
