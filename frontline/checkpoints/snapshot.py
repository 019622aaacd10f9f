"""The gate state: a compact snapshot of one compound, for the gate screen to decide offline.

It holds what the rules need (households and their areas, policies, exemptions, isolations,
this period's quota usage, passes and their revocations) and what identification needs. ID
numbers and phones are never sent: only a SHA-256 of (a salt made for this snapshot + the
value), so the phone can match a typed number without holding the number. Names are sent
(the staff search by name); the screen shows them masked.
"""

import datetime
import hashlib
import secrets

from django.utils import timezone

from frontline.residents.models import Household, NameKey, Resident

from .decisions import mask_name
from .models import Exemption, ExitPolicy, HomeIsolation, HouseholdQuota, Pass

VERSION = 1


def salted(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:20] if value else ""


def _iso(moment):
    return moment.isoformat() if moment else None


def gate_state(gate, now=None) -> dict:
    now = now or timezone.now()
    compound = gate.compound
    salt = secrets.token_hex(8)
    households = list(Household.objects.in_area(compound).select_related("area").order_by("pk"))
    residents = list(
        Resident.objects.in_area(compound).exclude(status__in=["moved_out", "deceased"])
        .only("pk", "household_id", "name", "id_number", "phone", "phone_tail", "relation", "birth_date").order_by("pk")
    )
    keys: dict[int, list[str]] = {}
    names = NameKey.objects.filter(resident__in=Resident.objects.in_area(compound).values("pk"))
    for resident_id, key in names.values_list("resident_id", "key"):
        keys.setdefault(resident_id, []).append(key)
    policies = ExitPolicy.objects.touching_subtree(compound.path, now).select_related("area")
    horizon = now - datetime.timedelta(days=31)
    resident_ids = Resident.objects.in_area(compound).values("pk")
    household_ids = Household.objects.in_area(compound).values("pk")
    return {
        "version": VERSION,
        "generated_at": now.isoformat(),
        "salt": salt,
        "gate": {
            "id": gate.pk, "name": gate.name, "compound": compound.name, "compound_path": compound.path,
            "opens_at": gate.opens_at.strftime("%H:%M") if gate.opens_at else None,
            "closes_at": gate.closes_at.strftime("%H:%M") if gate.closes_at else None,
            "utc_offset_minutes": int(timezone.localtime(now).utcoffset().total_seconds() // 60),
        },
        "households": [{"id": h.pk, "path": h.area.path, "label": f"{h.area.name} {h.room}"} for h in households],
        "residents": [
            {
                "id": r.pk, "h": r.household_id, "n": mask_name(r.name), "k": keys.get(r.pk, []),
                "i": salted(salt, r.id_number), "p": salted(salt, r.phone), "t": r.phone_tail, "rel": r.relation,
                "age": r.age(),
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
            {"r": i.resident_id, "start": _iso(i.start), "end": _iso(i.end)}
            for i in HomeIsolation.objects.filter(resident_id__in=resident_ids, lifted_at__isnull=True, end__gt=now)
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
