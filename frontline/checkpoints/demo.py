"""Demo data for the gates of 八一西街社区: gates with their hours, the controlled exit policy
(one person per household every two days), exemptions, paper passes for the elderly living
alone, a resident in home isolation, a shop's venue code, and a day at the gates (residents out
on the quota and back, a refusal overridden by a supervisor, a fever re-measured, an isolated
resident's errand, a visitor turned away, a delivery, vehicles).

Everything goes through the checkpoints services with the demo's logins as the actors: grid
worker 王涛 (wangtao) on duty at the gates, the administrator standing in for the command post
(exit policy, overrides). Idempotent: a community with gates already is left alone.
"""

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Area
from frontline.isolation import services as isolation_services
from frontline.isolation.models import IsolationCase
from frontline.residents.models import Resident, ResidentTag

from . import services, tokens
from .models import Exemption, ExitPolicy, Gate

COMMUNITY = ("运城市", "盐湖区", "中城街道", "八一西街社区")
STAFF, SUPERVISOR = "wangtao", "admin"
# compound → [(gate name, opens, closes, notes)]; no hours: open day and night.
GATES = {
    "盐湖区畜牧局家属院": [("大门", None, None, "24小时值守，三班倒")],
    "动物检疫站家属院": [("大门", datetime.time(6), datetime.time(23), "23:00至次日6:00关闭，急事打值班电话")],
    "煤建公司家属院": [("北门", None, None, "24小时值守"),
                  ("南门", datetime.time(7), datetime.time(20), "只在白天开放，车辆走北门")],
}


def _community():
    area = None
    for name in COMMUNITY:
        area = Area.objects.get(parent=area, name=name)
    return area


def _age(resident, today):
    b = resident.birth_date
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day)) if b else None


class Day:
    """Hands out the times of the passages: routine daytime traffic (today since 07:00, or
    yesterday's day when the demo is built early in the morning), the incidents in the last
    forty minutes, and a few passages in the current hour (what the live view opens on)."""

    def __init__(self, now):
        self.now = now
        local = timezone.localtime(now)
        morning = local.replace(hour=7, minute=0, second=0, microsecond=0)
        if now - morning >= datetime.timedelta(hours=3):
            self.start, self.end = morning, now - datetime.timedelta(minutes=45)
        else:
            self.start = morning - datetime.timedelta(days=1, minutes=-30)
            self.end = self.start + datetime.timedelta(hours=12)
        self.hour_start = local.replace(minute=0, second=0, microsecond=0)

    def spread(self, n, start, end):
        step = (end - start) / max(n, 1)
        return [start + step * (i + 0.5) for i in range(n)]

    def routine(self, n):
        return self.spread(n, self.start, self.end)

    def incident(self, minutes_ago):
        return self.now - datetime.timedelta(minutes=minutes_ago)

    def current_hour(self, n):
        start = max(self.hour_start, self.now - datetime.timedelta(minutes=3))
        return self.spread(n, start, self.now)


def build(stdout=None) -> list[tuple[str, str, str]]:
    community = _community()
    if not Gate.objects.filter(compound__parent=community).exists():
        _build(community, timezone.now())
        if stdout:
            stdout.write(f"Checkpoints demo: gates of {community.name} with a day of passages.")
    return places(community)


def places(community) -> list[tuple[str, str, str]]:
    gate = Gate.objects.filter(compound__parent=community, compound__name="盐湖区畜牧局家属院").order_by("pk").first()
    if gate is None:
        return []
    return [
        ("gate screen (畜牧局家属院 大门)", f"/checkpoints/gates/{gate.pk}/", STAFF),
        ("gate live view", f"/checkpoints/gates/{gate.pk}/live/", STAFF),
        ("gate statistics", "/checkpoints/stats/", STAFF),
    ]


def _build(community, now):
    staff = User.objects.get(username=STAFF)
    supervisor = User.objects.get(username=SUPERVISOR)
    rnd = random.Random(2022)
    today = timezone.localdate(now)
    day_before = now - datetime.timedelta(days=1)

    gates = {}
    for compound in community.children.order_by("path"):
        for name, opens, closes, notes in GATES.get(compound.name, []):
            gate = services.create_gate(compound=compound, name=name, opens_at=opens, closes_at=closes, notes=notes, actor=staff)
            gates.setdefault(compound.name, gate)  # the first gate is the compound's main gate (open day and night)

    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) - datetime.timedelta(days=2)
    services.set_policy(
        area=community, mode=ExitPolicy.Mode.CONTROLLED, quota_people=1, quota_days=2, effective_from=start,
        reason="区疫情防控指挥部通告：小区实行封闭管理，每户每两天可由一名家庭成员外出采购生活物资", actor=supervisor,
    )

    residents = list(Resident.objects.in_area(community).filter(status=Resident.Status.PRESENT)
                     .select_related("household__area").prefetch_related("tags").order_by("household__area__path", "household__room", "pk"))
    compounds = {c.path: c.name for c in community.children.all()}
    width = len(next(iter(compounds)))  # children of one area share a path length
    for r in residents:
        r.compound = compounds[r.household.area.path[:width]]
    by_household = {}
    for r in residents:
        by_household.setdefault(r.household_id, []).append(r)
    taken = set()

    def pick(test, compound):
        """The first resident of ``compound`` not cast yet who passes ``test`` (the ledger is
        generated from fixed seeds, ages counted from today, so the cast is the same every day)."""
        for r in residents:
            if r.pk not in taken and r.compound == compound and test(r):
                taken.add(r.pk)
                return r
        raise LookupError(f"the demo ledger of {compound} has nobody for this part of the story")

    # Exemptions: the exam candidate (a child with an admission ticket) and a dialysis patient.
    child = pick(lambda r: 12 <= (_age(r, today) or 0) <= 18 and len(by_household[r.household_id]) > 1, "盐湖区畜牧局家属院")
    services.grant_exemption(resident=child, kind=Exemption.Kind.EXAM, evidence="中考准考证 1408022207315，考点：运城市实验中学",
                             valid_from=day_before, valid_until=now + datetime.timedelta(days=3), actor=staff)
    patient = pick(lambda r: (_age(r, today) or 0) >= 45, "盐湖区畜牧局家属院")
    services.grant_exemption(resident=patient, kind=Exemption.Kind.MEDICAL, evidence="每周二、四、六血液透析，运城市中心医院血透室",
                             valid_from=day_before, valid_until=now + datetime.timedelta(days=14), actor=staff)

    # Paper passes for the households of elderly people living alone (no smartphone).
    alone = [r for r in residents if any(t.tag == ResidentTag.Tag.ELDERLY_ALONE for t in r.tags.all())]
    passes = {}
    for r in alone:
        passes[r.pk] = services.issue_pass(household=r.household, valid_from=day_before,
                                           valid_until=now + datetime.timedelta(days=14), actor=staff)

    # A resident in home isolation (close contact), who will ask at the gate anyway.
    isolated = pick(lambda r: (_age(r, today) or 0) >= 30, "盐湖区畜牧局家属院")
    if not IsolationCase.objects.open().filter(resident=isolated).exists():
        isolation_services.open_case(resident=isolated, reason="close_contact", source_text="密切接触者，区疾控通知居家隔离14天",
                                     start=now - datetime.timedelta(days=3), planned_end=now + datetime.timedelta(days=11),
                                     actor=staff)

    shop = services.create_venue(area=community, name="八一西街便民超市", actor=staff)

    day = Day(now)

    def passage(gate, at, direction, resident=None, **kw):
        if resident is not None and "value" not in kw:
            kw["value"] = resident.id_number
        if direction == "in" and "temperature" not in kw:
            kw["temperature"] = Decimal(rnd.choice(["36.2", "36.4", "36.5", "36.6", "36.7"]))
        kw.setdefault("health_code", "green")
        return services.record_passage(gate=gate, actor=staff, direction=direction, now=at, **kw).passage

    # Routine: the household's one person of the period goes shopping and comes back; the
    # elderly living alone show their paper pass.
    shoppers = []
    for compound in ("盐湖区畜牧局家属院", "煤建公司家属院"):
        heads = [members[0] for members in by_household.values()
                 if members[0].compound == compound and members[0].pk not in taken and members[0].pk not in passes]
        shoppers += [(compound, h) for h in heads[:6]]
    for _compound, head in shoppers:
        taken.update(x.pk for x in by_household[head.household_id])
    elderly = [r for r in alone if r.compound in ("盐湖区畜牧局家属院", "煤建公司家属院") and r.pk not in taken][:2]
    routine = [(c, r, None) for c, r in shoppers] + [(r.compound, r, tokens.pass_token(passes[r.pk])) for r in elderly]
    times = day.routine(2 * len(routine) + 8)
    events = []
    for i, (compound, r, pass_qr) in enumerate(routine):
        out_at, back_at = times[i], times[i + len(routine) // 2 + 4]
        kw = {"value": pass_qr} if pass_qr else {}
        events.append((out_at, gates[compound], "out", r, kw))
        events.append((back_at, gates[compound], "in", r, dict(kw)))
    events.sort(key=lambda e: e[0])
    scans = iter(day.routine(len(routine)))
    for at, gate, direction, r, kw in events:
        passage(gate, at, direction, r, **kw)
        if direction == "out":
            services.record_scan(venue=shop, actor=staff, id_number=r.id_number, now=next(scans) + datetime.timedelta(minutes=10))
    main = gates["盐湖区畜牧局家属院"]
    north = gates["煤建公司家属院"]
    vehicle_times = day.routine(3)
    services.record_vehicle(gate=north, actor=staff, direction="in", plate="晋M52731", driver="李师傅",
                            purpose="社区团购蔬菜配送", now=vehicle_times[0])
    services.record_vehicle(gate=north, actor=staff, direction="out", plate="晋M52731", driver="李师傅",
                            purpose="社区团购蔬菜配送", now=vehicle_times[0] + datetime.timedelta(minutes=25))
    services.record_vehicle(gate=north, actor=staff, direction="out", plate="晋MD80866", driver="业主",
                            purpose="自驾外出", decision="refused", reason="管控期间非必要车辆不出小区", now=vehicle_times[2])

    # The incidents of the last forty minutes.
    passage(main, day.incident(40), "out", child)  # the exam candidate: the exemption decides
    # A household's second person wants out: the quota is used up; the supervisor lets her
    # through for medicine, and says why.
    family = next(m for m in by_household.values() if len(m) >= 2 and m[0].compound == "盐湖区畜牧局家属院"
                  and not taken & {x.pk for x in m} and m[0].pk not in passes)
    taken.update(x.pk for x in family)
    passage(main, day.incident(36), "out", family[0])
    refused = passage(main, day.incident(33), "out", family[1])
    services.override_passage(refused, actor=supervisor, reason="家中老人高血压药断顿，社区书记电话同意外出购药一次")
    # The dialysis patient leaves for the hospital on the exemption (and is still out).
    passage(main, day.incident(30), "out", patient)
    # The isolated resident is refused and staff log what to fetch instead.
    stopped = passage(main, day.incident(28), "out", isolated)
    services.log_errand(resident=isolated, what="代买降压药（硝苯地平缓释片）和一周的蔬菜", passage=stopped, actor=staff)
    # A fever at the gate, re-measured after rest in the shade.
    returning = pick(lambda r: (_age(r, today) or 0) >= 18, "盐湖区畜牧局家属院")
    passage(main, day.incident(26), "out", returning)
    feverish = passage(main, day.incident(20), "in", returning, temperature=Decimal("37.6"))
    passage(main, day.incident(13), "in", returning, temperature=Decimal("36.9"), retest_of=feverish.pk)
    # Outsiders: a visitor is turned away (controlled area), a delivery is let in to a household.
    host = family[0].household
    passage(main, day.incident(10), "in", visitor={"name": "刘建军", "phone": "13935912345", "kind": "visitor",
                                                 "reason": "探望父母", "host_household": host.pk}, temperature=Decimal("36.5"))
    courier = {"name": "张师傅", "phone": "13835967890", "kind": "delivery", "reason": "药店送药", "host_household": host.pk}
    passage(main, day.incident(8), "in", visitor=courier, temperature=Decimal("36.3"))
    # The current hour, what the live view opens on: the two of the family and the candidate return.
    for at, r in zip(day.current_hour(3), (family[0], family[1], child), strict=True):
        passage(main, at, "in", r)
    return gates
