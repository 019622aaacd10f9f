"""Counts per area node: households, residents (present), and residents per special group.

One grouped query per measure: children of a node share a path length (fixed-width chunks),
so grouping by the path prefix of that length counts every child's subtree at once.
"""

from collections import defaultdict

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


def node_counts(user, parent: Area | None, nodes) -> dict[str, dict]:
    """child_counts for nodes that need not share a depth (the roots of a user's scope)."""
    by_width = defaultdict(list)
    for node in nodes:
        by_width[len(node.path)].append(node)
    result = {}
    for same_width in by_width.values():
        result.update(child_counts(user, parent, same_width))
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


def status_counts(user, area: Area | None = None) -> list[tuple[str, str, int]]:
    """[(status, label, residents)] within the user's scope (and ``area``)."""
    residents = Resident.objects.restrict(user)
    if area is not None:
        residents = residents.in_area(area)
    rows = dict(residents.values_list("status").annotate(n=Count("id")).order_by())
    return [(status, label, rows.get(status, 0)) for status, label in Resident.Status.choices]


def root_areas(user):
    """The top nodes of the user's scope (the areas their roles are held on)."""
    if user.is_superuser:
        return Area.objects.filter(parent__isnull=True)
    return Area.objects.filter(path__in=user.scope_paths("view"))


def with_child_counts(areas):
    """Annotate how many child areas each has (whether the tree can open it)."""
    return areas.annotate(n_children=Count("children"))


def dashboard_context(user) -> dict:
    roots = list(with_child_counts(root_areas(user)))
    rows = _rows(user, None, roots)
    # One root (a compound worker, a community secretary): its children say more than one row.
    child_rows = []
    if len(roots) == 1 and roots[0].n_children:
        children = list(with_child_counts(roots[0].children.all()))
        child_rows = _rows(user, roots[0], children)
    statuses = status_counts(user)
    totals = {
        "households": Household.objects.restrict(user).count(),
        "residents": next((n for s, _l, n in statuses if s == Resident.Status.PRESENT), 0),
    }
    return {
        "area_rows": rows, "child_rows": child_rows, "single_root": roots[0] if len(roots) == 1 else None,
        "groups": group_counts(user), "statuses": statuses, "totals": totals,
    }


def _rows(user, parent, areas):
    counts = node_counts(user, parent, areas)
    empty = {"households": 0, "residents": 0, "groups": 0}
    return [(area, counts.get(area.path, empty)) for area in areas]
