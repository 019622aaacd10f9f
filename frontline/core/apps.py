from django.utils.translation import gettext_lazy as _

from .registry import AlertKind, FrontlineApp


class CoreConfig(FrontlineApp):
    """Core is the base every app stands on; it registers like one for what it offers itself:
    the inbox's own alert kinds. Its pages (the dashboard) are mounted at / by the URLconf."""

    name = "frontline.core"
    label = "core"
    verbose_name = _("Frontline core")
    order = 0
    alert_kinds = (
        # Only superusers see alerts with no area (""): the people who run the system.
        AlertKind("core.job_failed", _("scheduled job failed"), action="manage", severity="urgent", notify=True),
    )

    def ready(self):
        super().ready()
        from .text import install_form_validator

        # Every form's text field refuses control characters (core/text.py says why).
        install_form_validator()
