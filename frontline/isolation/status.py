"""Is this person isolated now?" — the one answer, for the gate, its raw SQL and its snapshot.

Checkpoints (above isolation) import these; isolation imports nothing of checkpoints.

- ``is_isolated(resident, at)``: one person, through the ORM;
- ``isolated_ids(resident_ids, at)``: the set version;
- ``isolation_windows(resident_ids, at)``: for the offline snapshot, each confining case still in
  force or to come, as (resident id, start, end) with end the earlier of the planned end and
  the release, so the phone decides with the same rule the server does;
- ``isolated_exists_sql(resident_sql)``: the same rule as an ``EXISTS (…)`` fragment for a
  hand-written query (the gate decision), with its parameter builder.
"""

from django.utils import timezone

from frontline.core import lean

from .models import IsolationCase
from .querysets import CONFINING_KINDS, in_force_q


def is_isolated(resident, at=None) -> bool:
    at = at or timezone.now()
    resident_id = getattr(resident, "pk", resident)
    return IsolationCase.objects.filter(in_force_q(at), resident_id=resident_id).exists()


def isolated_ids(resident_ids, at=None) -> set[int]:
    """The residents among ``resident_ids`` (ids or a values("pk") queryset) confined at ``at``."""
    at = at or timezone.now()
    return set(IsolationCase.objects.filter(in_force_q(at), resident_id__in=resident_ids)
               .values_list("resident_id", flat=True))


def isolation_windows(resident_ids, at=None) -> list[tuple[int, object, object]]:
    at = at or timezone.now()
    rows = (IsolationCase.objects.filter(resident_id__in=resident_ids, kind__in=CONFINING_KINDS, planned_end__gt=at)
            .exclude(released_at__lte=at)
            .values_list("resident_id", "start", "planned_end", "released_at"))
    return [(r, start, min(end, released) if released else end) for r, start, end, released in rows]


def isolated_exists_sql(resident_sql: str = "%s", alias: str = "ic") -> str:
    """``EXISTS (…)`` true when the resident ``resident_sql`` is confined at a moment: it takes
    the parameters ``isolated_exists_params(at)`` after those of ``resident_sql``."""
    c = lambda name: lean.column(IsolationCase, name, alias)  # noqa: E731
    kinds = ", ".join(f"'{kind}'" for kind in CONFINING_KINDS)
    return (
        f"EXISTS (SELECT 1 FROM {lean.table(IsolationCase)} {alias} WHERE {c('resident')} = {resident_sql} "
        f"AND {c('kind')} IN ({kinds}) AND {c('start')} <= %s AND {c('planned_end')} > %s "
        f"AND ({c('released_at')} IS NULL OR {c('released_at')} > %s))"
    )


def isolated_exists_params(at) -> list:
    at_param = lean.datetime_param(at)
    return [at_param, at_param, at_param]


def household_states(households, at=None) -> dict:
    """{household id: {"isolated": n}} for households with members confined at ``at``."""
    at = at or timezone.now()
    ids = [getattr(h, "pk", h) for h in households]
    states: dict = {}
    for household_id in (IsolationCase.objects.filter(in_force_q(at), resident__household_id__in=ids)
                         .values_list("resident__household_id", flat=True)):
        states.setdefault(household_id, {"isolated": 0})["isolated"] += 1
    return states
