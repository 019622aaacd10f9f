from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class CheckpointsConfig(FrontlineApp):
    name = "frontline.checkpoints"
    label = "checkpoints"
    verbose_name = _("Gate checkpoints")
    order = 50
    url_prefix = "checkpoints"
    # The gate screen opens with no network after one online visit (core.offline).
    field_screens = (r"^/checkpoints/gates/\d+/$",)
    field_static = ("checkpoints/checkpoints.css", "checkpoints/gate-rules.js", "checkpoints/gate.js")
    api_routers = {"checkpoints": "frontline.checkpoints.api:router"}
    nav = (
        NavEntry("checkpoints:gates", _("Gates"), "gate", order=50),
        NavEntry("checkpoints:stats", _("Gate statistics"), "view", order=51),
    )
    demo_builder = "frontline.checkpoints.demo:build"
    demo_order = 50
