"""Deny by default: every service names who acts, and one function checks it (DESIGN.md §9).

Services take the acting user as a required keyword (``actor``, no default). A person is a
``User``; the demo, management commands and scheduled jobs pass ``system_actor("demo")`` (or
``"cli:import"``, ``"job:<name>"``), which may do everything and is recorded in the change log
under its own name. ``None`` is never an actor: ``require`` refuses it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .scoping import user_can


class SystemActor:
    """A non-human actor: allowed everything, recorded as ``system:<name>``."""

    is_system = True
    is_superuser = True
    is_authenticated = True
    is_active = True
    is_staff = False
    pk = None
    id = None

    def __init__(self, name: str):
        self.name = name
        self.username = f"system:{name}"

    def __str__(self):
        return self.username

    def __repr__(self):
        return f"SystemActor({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, SystemActor) and other.name == self.name

    def __hash__(self):
        return hash(("SystemActor", self.name))

    def scope_paths(self, action: str):
        return None

    def has_action(self, action: str) -> bool:
        return True

    def get_username(self):
        return self.username

    def forget_scope(self):
        pass


def system_actor(name: str) -> SystemActor:
    return SystemActor(name)


def is_system(actor) -> bool:
    return getattr(actor, "is_system", False) is True


def person(actor):
    """The ``User`` behind ``actor`` for a foreign key (created_by, done_by...); None for a
    system actor, which the change log records by name instead."""
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def path_of(target) -> str:
    """An area path: the string itself, or the record's ``audit_area_path()`` / ``area_path`` /
    ``path`` (an Area)."""
    if isinstance(target, str):
        return target
    method = getattr(target, "audit_area_path", None)
    if method is not None:
        return method()
    for attribute in ("area_path", "path"):
        value = getattr(target, attribute, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"no area path on {type(target).__name__}")


def can(actor, action: str, target) -> bool:
    if actor is None:
        return False
    if is_system(actor):
        return True
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        return False
    return user_can(actor, action, path_of(target))


def require_actor(actor) -> None:
    """For a service whose permission lies elsewhere (a ``restrict`` on what it reads, a
    check made by its caller): still, somebody must be named."""
    if actor is None:
        raise PermissionDenied(_("No acting user was given."))


def require(actor, action: str, target, message=None) -> None:
    """Raise PermissionDenied unless ``actor`` may do ``action`` on ``target`` (a record or an
    area path). No actor is a programming error, refused like any other denial."""
    require_actor(actor)
    if not can(actor, action, target):
        if message is None:
            message = _("Your role does not allow this action (%(action)s) here.") % {"action": action}
        raise PermissionDenied(message)
