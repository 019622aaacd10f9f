"""Reads for the isolation models. Cases and check-ins are scoped by the copied area path of the
resident's household (one index range per subtree); sites by their area."""

from django.db.models import Q

from frontline.core.scoping import ScopedQuerySet, subtree_q

# Kinds that keep a person indoors: the gate refuses them going out. Health monitoring
# (居家健康监测) does not.
CONFINING_KINDS = ("home", "centralized")
OPEN_STATUSES = ("active", "transferred")


def in_force_q(at, prefix: str = "") -> Q:
    """Cases confining their resident at ``at``: a confining kind, started, not yet at the
    planned end, and not released (or hospitalised) by then."""
    return Q(**{
        f"{prefix}kind__in": CONFINING_KINDS, f"{prefix}start__lte": at, f"{prefix}planned_end__gt": at,
    }) & (Q(**{f"{prefix}released_at__isnull": True}) | Q(**{f"{prefix}released_at__gt": at}))


class IsolationCaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def in_force(self, at):
        return self.filter(in_force_q(at))


class CheckInQuerySet(ScopedQuerySet):
    pass


PATH_CHUNK = 10


class IsolationSiteQuerySet(ScopedQuerySet):
    """A site is seen by whoever may view its area, and also by staff below it: a site run by
    the street serves every compound of the street (``restrict`` counts both)."""

    def restrict(self, user, action: str = "view"):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        paths = user.scope_paths(action)
        if not paths:
            return self.none()
        above = {p[: i + PATH_CHUNK] for p in paths for i in range(0, len(p), PATH_CHUNK)}
        return self.filter(subtree_q("area__path", paths) | Q(area__path__in=above))

    def active(self):
        return self.filter(active=True)


class TransferQuerySet(ScopedQuerySet):
    pass
