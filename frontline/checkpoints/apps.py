from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class CheckpointsConfig(FrontlineApp):
    name = "frontline.checkpoints"
    label = "checkpoints"
    verbose_name = _("Gate checkpoints")
    order = 50
    url_prefix = "checkpoints"
    api_routers = {"checkpoints": "frontline.checkpoints.api:router"}
    nav = (
        NavEntry("checkpoints:gates", _("Gates"), "gate", order=50),
        NavEntry("checkpoints:stats", _("Gate statistics"), "view", order=51),
    )
    demo_builder = "frontline.checkpoints.demo:build"
    demo_order = 50
