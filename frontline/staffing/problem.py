"""From the database to the solver's plain data and back: the slots of a roster's period (each
need of each active post on each day it applies), the people checked in for it (skills, check-in
period, dated unavailability, wished and near-home posts), and the shifts a result becomes."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from frontline.core.scoping import path_q

from . import solver
from .models import SKILLS, CheckIn, Need, Post, Roster, Shift, StaffMember, Unavailability


@dataclass
class Data:
    problem: solver.Problem
    slots: dict[str, tuple[Need, datetime.date]]
    labels: dict[str, str] = field(default_factory=dict)
    current: dict[str, list[int]] = field(default_factory=dict)
    key_of: dict[int, str] = field(default_factory=dict)


def slot_key(need_id, day: datetime.date) -> str:
    return f"{need_id}:{day.isoformat()}"


def _naive(at):
    return timezone.localtime(at).replace(tzinfo=None) if at is not None else None


def build(roster: Roster, with_shifts=False) -> Data:
    days = roster.days()
    start = datetime.datetime.combine(days[0], datetime.time())
    end = datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time())
    posts = list(Post.objects.filter(path_q("area__path", roster.area.path), active=True))
    needs = list(Need.objects.filter(post__in=posts).select_related("post"))
    slots, data_slots, labels = [], {}, {}
    for need in needs:
        for day in days:
            if not need.applies_on(day):
                continue
            key = slot_key(need.pk, day)
            s, e = need.interval_on(day)
            slots.append(solver.Slot(key, need.post_id, need.post.name, s, e, need.people, need.skill, need.skill_people))
            data_slots[key] = (need, day)
            labels[key] = f"{day:%m-%d} {need.start:%H:%M}-{need.end:%H:%M} {need.post.name}"
    aware_start, aware_end = timezone.make_aware(start), timezone.make_aware(end)
    checkins = (CheckIn.objects.filter(path_q("community__path", roster.area.path), checked_in_at__lt=aware_end)
                .filter(Q(released_at__isnull=True) | Q(released_at__gt=aware_start)).order_by("checked_in_at"))
    periods = {c.member_id: (_naive(c.checked_in_at), _naive(c.released_at)) for c in checkins}
    members = StaffMember.objects.filter(pk__in=periods).select_related("home_area")
    away = {}
    for u in Unavailability.objects.filter(member_id__in=periods, starts_on__lte=days[-1], ends_on__gte=days[0]):
        dates = away.setdefault(u.member_id, set())
        d = max(u.starts_on, days[0] - datetime.timedelta(days=1))
        while d <= min(u.ends_on, days[-1] + datetime.timedelta(days=1)):
            dates.add(d)
            d += datetime.timedelta(days=1)
    people = []
    for m in members:
        preferred = set()
        if m.wish_post_id:
            preferred.add(m.wish_post_id)
        if m.home_area_id:
            preferred |= {p.pk for p in posts if m.home_area.path.startswith(p.area.path) and p.area.kind != "community"}
        frm, until = periods[m.pk]
        people.append(solver.Person(m.pk, m.name, frozenset(m.skills or ()), frm, until,
                                    frozenset(away.get(m.pk, ())), frozenset(preferred)))
    problem = solver.Problem(slots, people, max_nights=roster.max_night_shifts,
                             skill_labels={code: str(label) for code, label in SKILLS})
    data = Data(problem, data_slots, labels)
    if with_shifts or roster.status == Roster.Status.PUBLISHED:
        for shift in Shift.objects.filter(roster=roster).only("pk", "need_id", "date", "member_id"):
            key = slot_key(shift.need_id, shift.date)
            data.key_of[shift.pk] = key
            if shift.member_id:
                data.current.setdefault(key, []).append(shift.member_id)
        if roster.status == Roster.Status.PUBLISHED:
            problem.fixed = {k: v for k, v in data.current.items() if k in data_slots}
    return data


def save(roster: Roster, data: Data, result: solver.Result):
    """Replace the roster's shifts by the result's (one row per seat; an empty seat is a hole)."""
    Shift.objects.filter(roster=roster).delete()
    rows = []
    for key, (need, day) in data.slots.items():
        ids = result.roster.get(key, [])
        s, e = need.interval_on(day)
        for seat in range(need.people):
            rows.append(Shift(roster=roster, post_id=need.post_id, need=need, date=day, starts_at=timezone.make_aware(s),
                              ends_at=timezone.make_aware(e), seat=seat, member_id=ids[seat] if seat < len(ids) else None))
    Shift.objects.bulk_create(rows, batch_size=500)


def roster_json(roster: Roster) -> dict:
    """A roster with its needs, people and assignments, as plain JSON (the API reads and writes it)."""
    data = build(roster, with_shifts=True)
    p = data.problem
    return {
        "roster_id": roster.pk, "starts_on": roster.starts_on.isoformat(), "ends_on": roster.ends_on.isoformat(),
        "max_night_shifts": p.max_nights, "rest_hours": p.rest_hours,
        "slots": [{"key": s.key, "post_id": s.post, "post": s.post_name, "start": s.start.isoformat(),
                   "end": s.end.isoformat(), "people": s.people, "skill": s.skill, "skill_people": s.skill_people}
                  for s in p.slots],
        "people": [{"id": x.id, "skills": sorted(x.skills),
                    "available_from": x.available_from.isoformat() if x.available_from else None,
                    "available_until": x.available_until.isoformat() if x.available_until else None,
                    "unavailable": sorted(d.isoformat() for d in x.unavailable),
                    "preferred_posts": sorted(x.preferred_posts)} for x in p.people],
        "assignments": {k: sorted(v) for k, v in data.current.items()},
    }
