"""Counts per area node: households, residents (present), and residents per special group.

One grouped query per measure: children of a node share a path length (fixed-width chunks),
so grouping by the path prefix of that length counts every child's subtree at once.
"""

from django.db.models import Count
from django.db.models.functions import Substr

from frontline.residents.models import Household, Resident, ResidentTag

from .models import Area


def child_counts(user, parent: Area | None, children) -> dict[str, dict]:
    """{child path: {"households": n, "residents": n, "groups": n}} for ``children`` of ``parent``."""
    children = list(children)
    if not children:
        return {}
    width = len(children[0].path)
    paths = {c.path for c in children}
    result = {p: {"households": 0, "residents": 0, "groups": 0} for p in paths}

    def grouped(qs, field, key):
        if parent is not None:
            qs = qs.in_area(parent)
        rows = qs.annotate(prefix=Substr(field, 1, width)).values("prefix").annotate(n=Count("pk", distinct=True))
        for row in rows.order_by():
            if row["prefix"] in result:
                result[row["prefix"]][key] = row["n"]

    grouped(Household.objects.restrict(user), "area__path", "households")
    present = Resident.objects.restrict(user).filter(status=Resident.Status.PRESENT)
    grouped(present, "household__area__path", "residents")
    grouped(present.filter(tags__isnull=False), "household__area__path", "groups")
    return result


def group_counts(user, area: Area | None = None) -> list[tuple[str, str, int]]:
    """[(tag, label, present residents in the group)] within the user's scope (and ``area``)."""
    residents = Resident.objects.restrict(user).filter(status=Resident.Status.PRESENT)
    if area is not None:
        residents = residents.in_area(area)
    rows = dict(
        ResidentTag.objects.filter(resident__in=residents.values("pk"))
        .values_list("tag").annotate(n=Count("id")).order_by()
    )
    return [(tag, label, rows.get(tag, 0)) for tag, label in ResidentTag.Tag.choices]


def root_areas(user):
    """The top nodes of the user's scope (the areas their roles are held on)."""
    if user.is_superuser:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(path__in=user.scope_paths("view"))


def dashboard_context(user) -> dict:
    roots = list(root_areas(user))
    counts = child_counts(user, None, roots) if len({len(r.path) for r in roots}) <= 1 else {}
    if not counts:
        for root in roots:
            counts.update(child_counts(user, None, [root]))
    rows = [(area, counts.get(area.path, {})) for area in roots]
    totals = {
        "households": Household.objects.restrict(user).count(),
        "residents": Resident.objects.restrict(user).filter(status=Resident.Status.PRESENT).count(),
    }
    return {"area_rows": rows, "groups": group_counts(user), "totals": totals}
