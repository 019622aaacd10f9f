from django.utils.translation import gettext_lazy as _

from frontline.core.registry import AlertKind, CopiedPath, FrontlineApp, NavEntry


class ScreeningConfig(FrontlineApp):
    name = "frontline.screening"
    label = "screening"
    verbose_name = _("Mass testing")
    order = 40
    url_prefix = "screening"
    # The sampling desk opens with no network after one online visit (core.offline).
    field_screens = (r"^/screening/desk/\d+/$",)
    field_static = ("screening/desk.js",)
    api_routers = {"screening": "frontline.screening.api:router"}
    nav = (
        NavEntry("screening:index", _("Mass testing"), "view", order=40),
        NavEntry("screening:result_import", _("Import lab results"), "lab", order=41),
    )
    dashboard_panels = "frontline.screening.dashboard:panels"
    # Whoever may view the area sees these (building leaders, community staff); a lab does not.
    alert_kinds = (
        AlertKind("screening.positive_pool", _("positive pool"), severity="emergency", notify=True,
                  link="screening:retests"),
        AlertKind("screening.result_conflict", _("conflicting lab results"), severity="urgent",
                  link="screening:conflicts"),
    )
    # Tubes, samples, bags and visitors belong to the sampling site (a home-sampling tube and its
    # samples, which have no site, to the resident's area); exemptions, home tasks and retest
    # items to the resident's area; a control flag to its own area (core.paths keeps them).
    copied_paths = (
        CopiedPath("screening.Tube", "site__area__path", fallbacks=("samples__resident__household__area__path",)),
        CopiedPath("screening.Sample", "tube__site__area__path", fallbacks=("resident__household__area__path",)),
        CopiedPath("screening.Bag", "site__area__path"),
        CopiedPath("screening.Visitor", "samples__tube__site__area__path"),
        CopiedPath("screening.Exemption", "resident__household__area__path"),
        CopiedPath("screening.HomeTask", "resident__household__area__path"),
        CopiedPath("screening.RetestItem", "sample__resident__household__area__path"),
        CopiedPath("screening.ControlFlag", "area__path"),
    )
    demo_builder = "frontline.screening.demo:build"
    demo_order = 40

    def ready(self):
        from . import lookups  # noqa: F401  (registers field__any_of)
