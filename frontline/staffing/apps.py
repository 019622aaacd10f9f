from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class StaffingConfig(FrontlineApp):
    name = "frontline.staffing"
    label = "staffing"
    verbose_name = _("Staff on duty")
    order = 45
    url_prefix = "staffing"
    api_routers = {"staffing": "frontline.staffing.api:router"}
    nav = (
        NavEntry("staffing:index", _("Staff and rosters"), "view", order=45),
    )
    demo_builder = "frontline.staffing.demo:build"
    demo_order = 60
    # The secretary and the street officer make and publish rosters.
    role_actions = {
        "city_admin": {"roster"},
        "street_officer": {"roster"},
        "community_secretary": {"roster"},
    }
