"""System checks of Frontline's own settings (``manage.py check``, every management command, and
each web worker at start-up through wsgi.py, since gunicorn runs no system checks)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def keys_given(app_configs=None, **kwargs):
    """frontline.E001: with DEBUG off, both keys come from the environment (settings.py)."""
    missing = getattr(settings, "FRONTLINE_MISSING_KEYS", [])
    if settings.DEBUG or getattr(settings, "FRONTLINE_GENERATE_KEYS", False) or not missing:
        return []
    return [checks.Error(
        f"{' and '.join(missing)} not set in the environment, and DEBUG is off.",
        hint="Give the same keys to every process of this installation (a worker started with a fresh data "
             "key would write personal data nobody else can read). Only the demo generates keys into var/: "
             "set FRONTLINE_GENERATE_KEYS=1 for a demo.",
        id="frontline.E001",
    )]


def refuse_to_start() -> None:
    """Raise at a web worker's start-up when a check above fails."""
    errors = keys_given()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].id}: {errors[0].msg} {errors[0].hint}")
