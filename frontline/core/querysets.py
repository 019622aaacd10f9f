"""Reusable reads of core's models."""

from django.db import models
from django.db.models import Q

from .scoping import ScopedQuerySet, subtree_q


class AlertQuerySet(ScopedQuerySet):
    """The inbox. ``restrict(user)`` keeps, for each alert kind, the alerts whose area lies where
    the user holds a role that grants the kind's action (and is one of the kind's roles, when the
    kind names roles): a lab user never sees a resident's alert, a building leader sees their
    building's. Roles are read once per user object; a revoked role is gone on the next request.
    A kind no installed app declares is seen by superusers only."""

    def restrict(self, user, action: str | None = None):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        condition = visibility_q(user)
        if condition is None:
            return self.none()
        scoped = self.filter(condition)
        scoped.scope_paths = None
        return scoped

    def open(self):
        return self.filter(resolved_at__isnull=True)

    def unacknowledged(self):
        return self.filter(resolved_at__isnull=True, acknowledged_at__isnull=True)

    def for_person(self, user):
        """What waits on ``user`` among visible alerts: unassigned ones and those assigned to them."""
        return self.filter(Q(assignee__isnull=True) | Q(assignee_id=user.pk))

    def of_kinds(self, prefix: str):
        """Alerts of one app's kinds (``"screening."``)."""
        return self.filter(kind__startswith=prefix)

    def by_kind(self) -> dict[str, int]:
        rows = self.order_by().values("kind").annotate(n=models.Count("id"))
        return {row["kind"]: row["n"] for row in rows}


def visibility_q(user) -> Q | None:
    """The condition on alerts that ``user`` may see, grouping kinds that share the same areas."""
    from .registry import alert_kinds

    by_paths: dict[tuple[str, ...], list[str]] = {}
    for kind in alert_kinds().values():
        paths = user.scope_paths(kind.action, kind.roles)
        if paths:
            by_paths.setdefault(tuple(paths), []).append(kind.code)
    if not by_paths:
        return None
    condition = Q()
    for paths, kinds in by_paths.items():
        condition |= Q(kind__in=sorted(kinds)) & subtree_q("area_path", paths)
    return condition
