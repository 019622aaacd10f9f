from django.utils.translation import gettext_lazy as _

from .queue import ScheduledJob
from .registry import AlertKind, CopiedPath, FrontlineApp, NavEntry


class CoreConfig(FrontlineApp):
    """Core is the base every app stands on; it registers like one for what it offers itself:
    the inbox's own alert kinds and the queue's own scheduled job. Its pages (the dashboard) are mounted at / by the URLconf."""

    name = "frontline.core"
    label = "core"
    verbose_name = _("Frontline core")
    order = 0
    # The inbox is the first source of "my work" (core/work.py); apps add theirs the same way.
    work_sources = ("frontline.core.work:ALERTS",)
    alert_kinds = (
        # Only superusers see alerts with no area (""): the people who run the system.
        AlertKind("core.job_failed", _("scheduled job failed"), action="manage", severity="urgent", notify=True),
    )
    # Only superusers hold "run_jobs" (no role grants it): the people who run the system.
    nav = (NavEntry("core:jobs", _("Jobs"), "run_jobs", order=900),)
    scheduled_jobs = (
        ScheduledJob("core.sweep_jobs", "frontline.core.tasks:sweep_jobs", _("close runs whose worker stopped"),
                     minute="*/10"),
    )
    copied_paths = (
        # The change log is a history: an entry keeps the path its record had when it changed, so
        # a resident who moves to another compound leaves the entries made in the old one with the
        # old one's staff (who made and saw those changes), and the new compound's staff read the
        # resident's history from the move on. When an area itself moves in the tree, its history
        # moves with it (the old parent's staff no longer hold that area).
        CopiedPath("core.AuditEntry", "", history=True),
        # An alert points to any record (a generic target): it moves with its area in the tree; an
        # app whose alerts must follow a resident resolves and raises them again.
        CopiedPath("core.Alert", ""),
    )

    def ready(self):
        super().ready()
        from . import checks  # noqa: F401  (registers frontline.E001)
        from .text import install_form_validator

        # Every form's text field refuses control characters (core/text.py says why).
        install_form_validator()
