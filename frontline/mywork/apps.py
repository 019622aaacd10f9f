from django.utils.translation import gettext_lazy as _

from frontline.core.registry import FrontlineApp, NavEntry


class MyWorkConfig(FrontlineApp):
    """我的待办 / My work: what waits on the current user, from every app's work sources
    (``FrontlineApp.work_sources``, ``core/work.py``); the alert inbox is the first of them.
    It owns no model: it reads the sources and acts through ``core.alerts``."""

    name = "frontline.mywork"
    label = "mywork"
    verbose_name = _("My work")
    order = 90
    url_prefix = "me"
    api_routers = {"me": "frontline.mywork.api:router"}
    nav = (NavEntry("mywork:inbox", _("My work"), "view", order=5, badge=True),)
    dashboard_panels = "frontline.mywork.dashboard:panels"
