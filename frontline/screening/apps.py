from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "frontline.screening"
    label = "screening"
    verbose_name = _("Mass testing")

    def ready(self):
        from . import lookups  # noqa: F401  (registers field__any_of)
