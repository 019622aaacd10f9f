"""Short readable names for areas in lists: "小区A 1号楼 1单元" rather than a bare "1单元".

Every list page labels many rows; the ancestors of all of them come from one query on ``path``.
"""

from frontline.core.scoping import user_can

from .models import Area


def area_labels(areas, *, top_kind: str = "compound") -> dict[int, str]:
    """{area id: names from ``top_kind`` down to the area}; an area above ``top_kind`` keeps its own name."""
    areas = [a for a in areas if a is not None]
    needed = {p for a in areas for p in a.ancestor_paths}
    names = dict(Area.objects.filter(path__in=needed).order_by().values_list("path", "name"))
    kinds = dict(Area.objects.filter(path__in=needed).order_by().values_list("path", "kind"))
    top = Area.LEVELS.index(top_kind)
    labels = {}
    for area in areas:
        parts = [names[p] for p in area.ancestor_paths if p in names and Area.LEVELS.index(kinds[p]) >= top]
        labels[area.pk] = " ".join(parts) or area.name
    return labels


def breadcrumbs(user, area: Area) -> list[Area]:
    """The ancestors of ``area`` the user may see, top first (names above their scope stay hidden)."""
    return [a for a in area.ancestors() if user_can(user, "view", a.path)]
