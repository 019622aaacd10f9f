from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from frontline.core.scoping import user_can


def require(actor, action: str, path: str, message=None) -> None:
    """``actor`` None is the system (the demo, a management command)."""
    if actor is not None and not user_can(actor, action, path):
        raise PermissionDenied(message or _("You may not do this here."))


class ScreeningError(Exception):
    """A refusal the desk or the lab should read: ``code`` is stable, ``message`` is for people,
    ``details`` carries what the screen needs to explain it (where and when, etc.)."""

    status = 422

    def __init__(self, code: str, message, details=None):
        super().__init__(str(message))
        self.code = code
        self.message = str(message)
        self.details = details or {}


class Conflict(ScreeningError):
    status = 409
