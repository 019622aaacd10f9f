"""What each Frontline app contributes, declared on its AppConfig (DESIGN.md §3).

An app's ``apps.py`` subclasses ``FrontlineApp`` and fills in what it offers; the project's
URLconf, the API, the navigation, the dashboard, the demo, the alert inbox, the scheduler and
area moves iterate ``frontline_apps()``. Nothing in ``core`` or the project package names a
domain app: adding an app is adding it to ``INSTALLED_APPS``.

Dotted references are ``"module.path:attribute"`` strings, imported when first used, so that
declaring them costs nothing at start-up and an app's modules can import models freely. A
reference that does not import is an error, never skipped: a missing dependency must not
silently drop an app's pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.apps import AppConfig, apps


@dataclass(frozen=True)
class NavEntry:
    """A link in the main navigation, shown to users who hold ``action`` somewhere."""

    url_name: str
    label: str
    action: str = "view"
    order: int = 100
    badge: bool = False  # show the count of the user's open work items (``core.work.badge_count``)


@dataclass(frozen=True)
class CopiedPath:
    """A model that keeps a copy of an area path (for one-range scoped reads).

    ``field`` is the copied column; ``source`` is the ORM path, from that model, to the area
    path it copies (``"household__area__path"``, ``"resident__household__area__path"``); empty
    when the path cannot be derived again (it is then only rewritten when its area moves).
    Every move of an area, household or resident rewrites the copies through this list
    (``core.paths``).
    """

    model: str  # "app_label.ModelName"
    source: str
    field: str = "area_path"
    # Further sources, tried in order when the first one is empty (a home-sampling tube has no
    # site: it belongs to the resident's area).
    fallbacks: tuple[str, ...] = ()
    # A history (the change log): rewritten when an area moves in the tree, never computed
    # again when a record changes area (``source`` is empty).
    history: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(s for s in (self.source, *self.fallbacks) if s)


@dataclass(frozen=True)
class AlertKind:
    """A kind of inbox item: who sees it (holders of ``action`` on the alert's area, optionally
    only these ``roles``), how urgent it is by default, and whether it notifies out of the system.
    ``link`` opens the record from the inbox: a URL name (reversed without arguments) or a
    ``"module.path:function"`` reference, ``function(alert) -> url``; empty: the target's
    ``get_absolute_url``."""

    code: str
    label: str
    action: str = "view"
    roles: tuple[str, ...] = ()
    severity: str = "warning"
    notify: bool = False
    link: str = ""


class FrontlineApp(AppConfig):
    """Base of every Frontline domain app's AppConfig.

    url_prefix        pages of ``<app>.urls`` mounted at ``/<url_prefix>/`` (namespace = label)
    api_routers       {prefix: "module:router"}: ninja routers mounted at ``/api/v1/<prefix>/``
    nav               NavEntry items for the main navigation
    dashboard_panels  "module:function"; ``function(user) -> list[dict]`` (each with ``template``)
    demo_builder      "module:function"; ``function(stdout=None) -> [(what, url, username)]``,
                      idempotent, called in ``demo_order`` after the base demo is built
    alert_kinds       AlertKind items this app raises into the inbox
    copied_paths      CopiedPath items (models that copy an area path)
    scheduled_jobs    core.queue.ScheduledJob items: jobs the worker runs on a crontab (listed on
                      /jobs/ and by ``frontline jobs``)
    role_actions      {role: {action, ...}}: actions this app adds to existing roles
    household_states  "module:function"; ``function(households, at) -> {household_id: {state}}``
                      for the floor plan and lists: the states this app knows of households
                      ("isolated", "sealed", "open_request", ...), read by upper apps
    hooks             {hook name: "module:function"}: extension points of lower apps that this
                      app answers (a positive pool opening an incident); see ``HOOKS``
    field_screens     anchored path patterns of this app's screens that must open offline (the
                      service worker caches them, core.offline)
    field_static      static files those screens need, precached when the worker installs
    work_sources      "module:attribute" items for "my work": a ``core.work.WorkSource`` or a
                      ``function(user) -> list[core.work.WorkItem]`` (see ``core/work.py``)
    order             where the app's contributions sort among the others
    """

    # Django picks the AppConfig of an apps.py that holds exactly one subclass, or the one marked
    # default: this base is imported into every apps.py, so it steps aside and its subclasses
    # are the default.
    default = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "default" not in cls.__dict__:
            cls.default = True

    url_prefix: str | None = None
    api_routers: dict[str, str] = {}
    nav: tuple[NavEntry, ...] = ()
    dashboard_panels: str | None = None
    demo_builder: str | None = None
    demo_order: int = 100
    alert_kinds: tuple[AlertKind, ...] = ()
    copied_paths: tuple[CopiedPath, ...] = ()
    scheduled_jobs: tuple = ()
    role_actions: dict[str, set[str] | frozenset[str]] = {}
    household_states: str | None = None
    hooks: dict[str, str] = {}
    work_sources: tuple[str, ...] = ()
    field_screens: tuple[str, ...] = ()
    field_static: tuple[str, ...] = ()
    order: int = 100


# Extension points: a lower app calls ``call_hooks(name, ...)`` where an upper app must act, so
# dependencies keep pointing down. Every hook is listed here with the keywords it passes.
HOOKS = {
    "screening.positive_pool": "tube, actor — a pooled tube was reported positive",
    "isolation.case_opened": "case, actor — a person entered isolation (staff drop their shifts)",
    "isolation.case_closed": "case, actor — a person left isolation",
}


def frontline_apps() -> list[FrontlineApp]:
    """The installed Frontline apps, in their declared order."""
    found = [config for config in apps.get_app_configs() if isinstance(config, FrontlineApp)]
    return sorted(found, key=lambda config: (config.order, config.label))


def resolve(reference: str):
    """The object a ``"module.path:attribute"`` reference names."""
    module_name, _, attribute = reference.partition(":")
    module = import_module(module_name)
    return getattr(module, attribute) if attribute else module


def nav_entries() -> list[NavEntry]:
    entries = [entry for config in frontline_apps() for entry in config.nav]
    return sorted(entries, key=lambda entry: entry.order)


def field_screens() -> list[str]:
    return [pattern for config in frontline_apps() for pattern in config.field_screens]


def field_static() -> list[str]:
    return [name for config in frontline_apps() for name in config.field_static]


def copied_paths() -> list[CopiedPath]:
    return [copy for config in frontline_apps() for copy in config.copied_paths]


@cache
def alert_kinds() -> dict[str, AlertKind]:
    return {kind.code: kind for config in frontline_apps() for kind in config.alert_kinds}


def household_state_providers() -> list:
    """Every app's ``household_states`` function, in app order."""
    return [resolve(config.household_states) for config in frontline_apps() if config.household_states]


def call_hooks(name: str, **kwargs) -> list:
    """Call every app's answer to the extension point ``name``; their results, in app order."""
    if name not in HOOKS:
        raise KeyError(f"unknown hook {name!r}: list it in core.registry.HOOKS")
    return [resolve(config.hooks[name])(**kwargs) for config in frontline_apps() if name in config.hooks]


def extra_role_actions() -> dict[str, set[str]]:
    merged: dict[str, set[str]] = {}
    for config in frontline_apps():
        for role, actions in config.role_actions.items():
            merged.setdefault(str(role), set()).update(actions)
    return merged


__all__ = ["HOOKS", "AlertKind", "CopiedPath", "FrontlineApp", "NavEntry", "alert_kinds", "call_hooks", "copied_paths",
           "household_state_providers",
           "extra_role_actions", "frontline_apps", "nav_entries", "resolve"]
