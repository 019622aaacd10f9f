from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class ScreeningConfig(FrontlineApp):
    name = "frontline.screening"
    label = "screening"
    verbose_name = _("Mass testing")
    order = 40
    url_prefix = "screening"
    api_routers = {"screening": "frontline.screening.api:router"}
    nav = (
        NavEntry("screening:index", _("Mass testing"), "view", order=40),
        NavEntry("screening:result_import", _("Import lab results"), "lab", order=41),
    )
    dashboard_panels = "frontline.screening.dashboard:panels"
    demo_builder = "frontline.screening.demo:build"
    demo_order = 40

    def ready(self):
        from . import lookups  # noqa: F401  (registers field__any_of)
