"""The gate state: a compact snapshot of one compound, for the gate screen to decide offline.

It holds what the rules need (households and their areas, policies, exemptions, isolations,
this period's quota usage, passes and their revocations) and just enough to pick a person out of
this compound's residents, nothing that narrows anyone's ID number or phone (issue 8, hole 4;
docs/checkpoints.md "What a gate phone holds"):

- the name masked (张*明) and search keys made of the surname and the initials only (never the
  full pinyin or the name itself);
- the last four characters of the ID number (sequence and check digit, shown in every mask);
- the last four digits of the phone, only for a phone of 8 digits or more (shown in every mask);
- no hash of an ID number or phone, no salt, no age, birth date or sex.

A typed ID number or phone is matched offline on its last four; the screen shows the matching
residents by masked name and room for the staff to pick, and the server identifies the typed value
again when the passage syncs. ``candidate_bound`` computes how many numbers an entry leaves open.
"""

import datetime

from django.utils import timezone

from frontline.core.personal import mask_name
from frontline.isolation.status import isolation_windows
from frontline.residents.models import Household, Resident
from frontline.residents.names import _HAN, search_keys

from .models import Exemption, ExitPolicy, HouseholdQuota, Pass

VERSION = 2


# A phone tail narrows a phone to the numbers that end with it: 10^(length - 4) of them, minus
# the fixed prefix digits. Below 8 digits that is under ~1,000, so such a phone sends no tail.
PHONE_TAIL_MIN_LENGTH = 8


def id_tail(number: str) -> str:
    """The last four of an ID number (three sequence digits and the check digit)."""
    return number[-4:] if number and len(number) == 18 else ""


def phone_tail(phone: str) -> str:
    return phone[-4:] if phone and len(phone) >= PHONE_TAIL_MIN_LENGTH else ""


def offline_keys(name: str) -> list[str]:
    """What a name can be searched by offline: its first character and the initials of each
    reading (张小明 → 张, zxm). The full pinyin would spell the name the mask hides."""
    name = (name or "").strip()
    if not name:
        return []
    keys = {name[0], name[0].lower()}
    if len(name) > 1 and _HAN.search(name):
        keys |= {k for k in search_keys(name) if len(k) <= len(name)}
    return sorted(keys)


def _iso(moment):
    return moment.isoformat() if moment else None


def gate_state(gate, now=None) -> dict:
    now = now or timezone.now()
    compound = gate.compound
    households = list(Household.objects.in_area(compound).select_related("area").order_by("pk"))
    residents = list(
        Resident.objects.in_area(compound).exclude(status__in=["moved_out", "deceased"])
        .only("pk", "household_id", "name", "id_number", "phone", "relation").order_by("pk")
    )
    policies = ExitPolicy.objects.touching_subtree(compound.path, now).select_related("area")
    horizon = now - datetime.timedelta(days=31)
    resident_ids = Resident.objects.in_area(compound).values("pk")
    household_ids = Household.objects.in_area(compound).values("pk")
    return {
        "version": VERSION,
        "generated_at": now.isoformat(),
        "gate": {
            "id": gate.pk, "name": gate.name, "compound": compound.name, "compound_path": compound.path,
            "opens_at": gate.opens_at.strftime("%H:%M") if gate.opens_at else None,
            "closes_at": gate.closes_at.strftime("%H:%M") if gate.closes_at else None,
            "utc_offset_minutes": int(timezone.localtime(now).utcoffset().total_seconds() // 60),
        },
        "households": [{"id": h.pk, "path": h.area.path, "label": f"{h.area.name} {h.room}"} for h in households],
        "residents": [
            {
                "id": r.pk, "h": r.household_id, "n": mask_name(r.name), "k": offline_keys(r.name),
                "it": id_tail(r.id_number), "t": phone_tail(r.phone), "rel": r.relation,
            }
            for r in residents
        ],
        "policies": [
            {"id": p.pk, "path": p.area.path, "depth": p.area.depth, "mode": p.mode, "n": p.quota_people, "d": p.quota_days,
             "from": _iso(p.effective_from), "until": _iso(p.effective_until),
             "anchor": timezone.localtime(p.effective_from).date().isoformat()}
            for p in policies
        ],
        "exemptions": [
            {"r": e.resident_id, "kind": e.kind, "from": _iso(e.valid_from), "until": _iso(e.valid_until)}
            for e in Exemption.objects.filter(resident_id__in=resident_ids, revoked_at__isnull=True, valid_until__gt=now)
        ],
        "isolations": [
            {"r": resident_id, "start": _iso(start), "end": _iso(end)}
            for resident_id, start, end in isolation_windows(resident_ids, now)
        ],
        "quotas": [
            {"h": q.household_id, "policy": q.policy_id, "period": q.period_start.isoformat(), "people": q.people}
            for q in HouseholdQuota.objects.filter(household__in=household_ids,
                                                   period_start__gte=horizon.date())
        ],
        "passes": [
            {"id": p.pk, "h": p.household_id, "from": _iso(p.valid_from), "until": _iso(p.valid_until),
             "revoked": bool(p.revoked_at), "revoke_reason": p.revoke_reason}
            for p in Pass.objects.filter(household__in=household_ids, valid_until__gt=horizon)
        ],
    }
