"""Demo data for isolation, told the way Zhengzhou's community posts kept their 一人一策 ledgers:
in 香树花城三期 (Xi'an demo community), twelve people of four households in home isolation
(close contacts, a returnee, a parcel exposure), with this morning's check-ins; one close
contact escorted to the street's centralized site at 02:00; one household member who has not
checked in today; one fever reported this morning (top of the ledger, urgent alert).

Everything goes through the isolation services with the demo's own logins as actors, so the
case history, the change log and the inbox hold as they would in the field. Idempotent: a
compound that has cases already is left alone.
"""

import datetime
import random

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Area
from frontline.residents.models import Resident

from . import alerts, services
from .models import IsolationCase, IsolationSite

PEOPLE = 12


def _area(*names):
    area = None
    for name in names:
        area = Area.objects.get(parent=area, name=name)
    return area


REASONS = [
    ("close_contact", "确诊病例 12 号的密切接触者（区流调组 12-05 名单）"),
    ("secondary_contact", "密接者的同住人（次密接）"),
    ("returnee", "自中风险地区返郑，14 天居家隔离"),
    ("parcel", "接收的境外快递外包装核酸阳性"),
]
NOTES = [
    "糖尿病，每天需胰岛素；药品由楼栋长代购。",
    "独居，7 楼无电梯，垃圾由志愿者上门收取。",
    "孕 32 周，定期产检需提前报备 120 绿色通道。",
    "",
]


def build(stdout=None):
    try:
        community = _area("西安市", "未央区", "谭家街道", "绿地香树花城社区")
        compound = community.children.get(name="香树花城三期")
    except Area.DoesNotExist:
        return []
    worker = User.objects.get(username="worker")
    if IsolationCase.objects.filter(area_path__startswith=compound.path).exists():
        return places()
    rnd = random.Random(13)
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    residents = list(Resident.objects.in_area(compound).filter(status="present").select_related("household__area")
                     .order_by("household__area__path", "household_id", "pk")[:PEOPLE])
    site = IsolationSite.objects.filter(area=community.parent, name="谭家街道集中隔离点（如家酒店）").first() or services.create_site(
        area=community.parent, name="谭家街道集中隔离点（如家酒店）", address="未央区谭家街道凤城九路 88 号", capacity=40,
        contact="029-8600 0000（值班室）", actor=User.objects.get(username="street_officer"))
    order = []
    cases = []
    for resident in residents:
        first = resident.household_id not in order
        if first:
            order.append(resident.household_id)
        index = order.index(resident.household_id)
        reason, source = REASONS[index % len(REASONS)]
        started = today - datetime.timedelta(days=3 + 2 * index, hours=-9)
        case = services.open_case(resident=resident, kind="home", reason=reason, source_text=source, start=started, days=14,
                                  policy_notes=NOTES[index % len(NOTES)] if first else "", actor=worker)
        cases.append(case)
    if not cases:
        return []
    # This morning's check-ins, by phone: all but one; one fever.
    morning = min(today + datetime.timedelta(hours=8, minutes=20), now - datetime.timedelta(minutes=5))
    missed, feverish, moved = cases[-1], cases[4 % len(cases)], cases[0]
    for i, case in enumerate(cases):
        if case is missed:
            continue
        at = morning + datetime.timedelta(minutes=3 * i)
        at = min(at, now - datetime.timedelta(minutes=1))
        if case is feverish:
            services.record_checkin(case, temperature="37.8", symptoms=["cough", "fatigue"], antigen="", at=at,
                                    note="自述夜里发冷，已安排上门采样", actor=worker)
        else:
            services.record_checkin(case, temperature=str(rnd.choice(["36.2", "36.4", "36.5", "36.6", "36.8"])), at=at,
                                    actor=worker)
    # The close contact escorted to the centralized site at 02:00 (last night, if it is not yet 02:00).
    two = today + datetime.timedelta(hours=2)
    if two > now:
        two -= datetime.timedelta(days=1)
    move = services.transfer(moved, site=site, at=two, escort=worker, escort_note="派出所民警 1 名", vehicle="陕A·D8812（转运专车）",
                             actor=worker)
    services.confirm_transfer(move, actor=User.objects.get(username="street_officer"), at=two + datetime.timedelta(minutes=40))
    alerts.raise_missed_checkins(actor=worker, at=now)  # nothing before the day's deadline hour
    if stdout:
        stdout.write(f"Isolation demo: {len(cases)} cases in {compound.name}, one transferred, one fever, one missed check-in.")
    return places()


def places():
    return [("isolation ledger (fever first, missed check-in)", "/isolation/", "worker"),
            ("centralized isolation sites", "/isolation/sites/", "street_officer")]
