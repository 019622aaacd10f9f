"""Coverage (应检尽检, 不漏一人): who should be sampled in a round, who has been, who not and why.

Expected = residents present in the round's areas, minus the round's exemptions. A resident counts
as sampled when a live sample of theirs exists in the round (not undone, and not in a tube the lab
found invalid: an invalid tube puts its people back on the list by this rule alone). Counts per
child area are one grouped query: children of a node share a path length, so grouping residents by
that prefix of their household's path counts every child's subtree at once.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr

from frontline.areas.models import PATH_CHUNK, Area
from frontline.core.scoping import prefix_q
from frontline.residents.models import Resident, room_order

from .models import Exemption, HomeTask, Round, Sample, Visitor
from .services.people import round_residents


def population(round_obj: Round):
    """Residents the round expects: present in its areas and not exempted."""
    # NOT EXISTS, not NOT IN: the planner can then walk a community's households by index
    # instead of filtering the whole residents table first.
    return (round_residents(round_obj).filter(status=Resident.Status.PRESENT)
            .exclude(Exists(Exemption.objects.filter(round=round_obj, resident=OuterRef("pk")))))


def live_samples(round_obj: Round):
    return Sample.objects.filter(round=round_obj, counts=True)


def sampled_exists(round_obj: Round):
    return Exists(live_samples(round_obj).filter(resident=OuterRef("pk")))


@dataclass
class CoverageRow:
    area: Area
    expected: int
    sampled: int

    @property
    def missing(self) -> int:
        return max(self.expected - self.sampled, 0)

    @property
    def percent(self) -> float:
        return round(100.0 * self.sampled / self.expected, 1) if self.expected else 100.0


def _grouped(residents, round_obj, width: int, wide: bool) -> dict[str, tuple[int, int]]:
    if wide:
        # A street or more: two grouped queries, everyone and the sampled (residents joined to
        # the round's counting samples). Not one query with ``COUNT … FILTER (WHERE id IN
        # (samples))``: PostgreSQL runs that fast only while it expects the round's samples to
        # fit in work_mem as a hash; past that (a district's round, or statistics not analysed
        # since the day's uploads) it rescans the samples once per resident, minutes for a
        # street. A join has no such cliff (a street of 200,000: ~0.45 s either way).
        prefix = Substr("household__area__path", 1, width)
        expected = residents.annotate(prefix=prefix).values("prefix").annotate(n=Count("pk")).order_by()
        sampled = (residents.filter(pk__in=live_samples(round_obj).values("resident_id")).annotate(prefix=prefix)
                   .values("prefix").annotate(n=Count("pk")).order_by())
        done = {r["prefix"]: r["n"] for r in sampled}
        return {r["prefix"]: (r["n"], done.get(r["prefix"], 0)) for r in expected}
    # A community or less: one index probe per resident beats joining the whole round.
    rows = residents.annotate(prefix=Substr("household__area__path", 1, width), done=sampled_exists(round_obj))
    rows = rows.values("prefix").annotate(expected=Count("pk"), sampled=Count("pk", filter=Q(done=True))).order_by()
    return {r["prefix"]: (r["expected"], r["sampled"]) for r in rows}


WIDE_KINDS = {"city", "district", "street"}


def _view_paths(user):
    """The subtrees ``user`` sees (None: all of them; nobody sees anything without a user)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return None if user.is_superuser else user.scope_paths("view")


def _is_wide(round_obj: Round, user, parent: Area | None) -> bool:
    """Whether what the user sees of ``parent`` (or of the round) reaches street level or above."""
    base = [parent.path] if parent is not None else round_obj.scope_paths()
    mine = _view_paths(user)
    if mine is not None:
        base = [u if u.startswith(b) else b for b in base for u in mine if u.startswith(b) or b.startswith(u)]
    return Area.objects.filter(path__in=base, kind__in=WIDE_KINDS).exists()


def child_areas(round_obj: Round, user, parent: Area | None):
    """The areas one level below ``parent`` (or the round's own areas) that the user may see."""
    if parent is None:
        areas = list(round_obj.areas.all().order_by("path"))
    else:
        areas = list(Area.objects.filter(parent=parent).order_by("path"))
        areas = [a for a in areas if round_obj.covers(a.path) or any(p.startswith(a.path) for p in round_obj.scope_paths())]
    mine = _view_paths(user)
    if mine is not None:
        areas = [a for a in areas if any(a.path.startswith(p) or p.startswith(a.path) for p in mine)]
    return areas


def coverage_rows(round_obj: Round, user, parent: Area | None = None) -> list[CoverageRow]:
    areas = child_areas(round_obj, user, parent)
    if not areas:
        return []
    residents = population(round_obj)
    residents = residents.restrict(user, "view")
    if parent is not None:
        residents = residents.filter(prefix_q("household__area__path", parent.path))
    counts: dict[str, tuple[int, int]] = {}
    wide = _is_wide(round_obj, user, parent)
    for width in sorted({len(a.path) for a in areas}):
        same = [a for a in areas if len(a.path) == width]
        scoped = residents
        if parent is None:
            q = Q(pk__in=[])
            for a in same:
                q |= prefix_q("household__area__path", a.path)
            scoped = residents.filter(q)
        counts.update(_grouped(scoped, round_obj, width, wide))
    return [CoverageRow(a, *counts.get(a.path, (0, 0))) for a in areas]


def totals(round_obj: Round, user, rows: list[CoverageRow] | None = None, area: Area | None = None) -> dict:
    """Expected, sampled and the rest for what ``rows`` cover (by default the round's own areas,
    as far as the user sees them). Rows partition what they cover, so their sums are the totals:
    one grouped query, or none when the page has the rows already."""
    if rows is None:
        rows = coverage_rows(round_obj, user)
    expected, sampled = sum(r.expected for r in rows), sum(r.sampled for r in rows)
    exempted = Exemption.objects.filter(round=round_obj)
    visitors = Visitor.objects.filter(round=round_obj, samples__counts=True)
    exempted = exempted.restrict(user, "view")
    visitors = visitors.restrict(user, "view")
    if area is not None:
        exempted = exempted.filter(prefix_q("area_path", area.path))
        visitors = visitors.filter(prefix_q("area_path", area.path))
    return {"expected": expected, "sampled": sampled, "missing": max(expected - sampled, 0),
            "percent": round(100.0 * sampled / expected, 1) if expected else 100.0,
            "exempted": exempted.count(), "visitors": visitors.distinct().count()}


class Reason:
    """Why a resident is still on the list (the door-knock worklist prints it)."""

    NEVER = "never"
    INVALID_TUBE = "invalid_tube"
    UNDONE = "undone"
    HOME_TASK = "home_task"


def _labels():
    from django.utils.translation import gettext_lazy as _

    return {
        Reason.NEVER: _("not yet sampled"),
        Reason.INVALID_TUBE: _("tube invalid: sample again"),
        Reason.UNDONE: _("scan undone: sample again"),
        Reason.HOME_TASK: _("home sampling planned"),
    }


def _not_sampled_queryset(round_obj: Round, user, area: Area | None):
    residents = population(round_obj)
    residents = residents.restrict(user, "view")
    if area is not None:
        residents = residents.filter(prefix_q("household__area__path", area.path))
    in_round = Sample.objects.filter(round=round_obj, resident=OuterRef("pk"))
    return (residents.exclude(sampled_exists(round_obj))
            .annotate(had_invalid=Exists(in_round.filter(voided_at__isnull=True, tube__result="invalid")),
                      had_undone=Exists(in_round.filter(voided_at__isnull=False)),
                      home_task=Exists(HomeTask.objects.filter(round=round_obj, resident=OuterRef("pk"), status="open"))))


def _reason(home_task, had_invalid, had_undone) -> str:
    if home_task:
        return Reason.HOME_TASK
    if had_invalid:
        return Reason.INVALID_TUBE
    if had_undone:
        return Reason.UNDONE
    return Reason.NEVER


def not_sampled(round_obj: Round, user, area: Area | None = None):
    """Residents of the round (in ``area``) not yet sampled, each with ``reason`` and ``reason_label``,
    ordered by building, unit and room, so the list prints as a door-knock worklist."""
    residents = (_not_sampled_queryset(round_obj, user, area)
                 .select_related("household__area__parent").prefetch_related("tags")
                 .order_by("household__area__path", *room_order("household__"), "pk"))
    labels = _labels()
    for r in residents:
        r.reason = _reason(r.home_task, r.had_invalid, r.had_undone)
        r.reason_label = labels[r.reason]
        yield r


def _building_path(path: str, kind: str) -> str:
    """The building of a household's area: the area itself, or a unit's parent (one path chunk up)."""
    return path[:-PATH_CHUNK] if kind == "unit" else path


def worklist_by_building(round_obj: Round, user, area: Area):
    """[(building area, [residents])] for the printable door-knock worklist, rooms in reading order
    (``not_sampled`` orders them)."""
    groups: dict[str, list] = {}
    for r in not_sampled(round_obj, user, area):
        groups.setdefault(_building_path(r.household.area.path, r.household.area.kind), []).append(r)
    buildings = {a.path: a for a in Area.objects.filter(path__in=list(groups)).select_related("parent")}
    result = []
    for path, rows in sorted(groups.items()):
        result.append((buildings.get(path), rows))
    return result


def worklist_index(round_obj: Round, user, area: Area):
    """[(building area, total, {reason label: count})]: the worklist of a compound or more, one
    line per building, whose rows are loaded when the building is opened. One grouped query."""
    grouped = (_not_sampled_queryset(round_obj, user, area).order_by()
               .values("household__area__path", "household__area__kind", "home_task", "had_invalid", "had_undone")
               .annotate(n=Count("pk")))
    labels = _labels()
    counts: dict[str, dict] = {}
    for row in grouped:
        path = row["household__area__path"]
        building = _building_path(path, row["household__area__kind"])
        label = labels[_reason(row["home_task"], row["had_invalid"], row["had_undone"])]
        per = counts.setdefault(building, {})
        per[label] = per.get(label, 0) + row["n"]
    buildings = {a.path: a for a in Area.objects.filter(path__in=list(counts))}
    return [(buildings.get(p), sum(per.values()), per) for p, per in sorted(counts.items())]
