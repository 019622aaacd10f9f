from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class AreasConfig(FrontlineApp):
    name = "frontline.areas"
    label = "areas"
    verbose_name = _("Areas")
    order = 20
    url_prefix = "areas"
    api_routers = {"areas": "frontline.areas.api:router"}
    nav = (NavEntry("areas:tree", _("Areas"), "view", order=10),)
