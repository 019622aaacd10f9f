"""Shared set-up for the screening benchmarks (screening_ingest, screening_scan, screening_coverage,
screening_results).

Run them against PostgreSQL with a database of their own, e.g.

    createdb -h 127.0.0.1 -U postgres frontline_screening_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_screening_bench .venv/bin/python benchmarks/screening_ingest.py

The data is a generated street (``street(n)``): communities of about 12,000 residents (63
buildings of 2 units × 18 floors × 2 rooms), built with the demo's bulk builder and reused by
later runs. Each run makes its own testing round, so runs never disturb each other.
"""

import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")

BUILDINGS_PER_COMMUNITY = 63  # × about 190 people = about 12,000
BUILDINGS_PER_COMPOUND = 9
# Counties of Xi'an, three a street (see street()).
COUNTY_CODES = ["610102", "610104", "610114", "610115", "610116", "610117", "610118", "610122", "610124"]


def setup(migrate=True):
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; set DATABASE_URL to a PostgreSQL database for the issue's figures", flush=True)
    if migrate:
        call_command("migrate", verbosity=0)


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("select version()")
            return cursor.fetchone()[0].split(" on ")[0] + f", database {connection.settings_dict['NAME']}"
    return connection.vendor


def street(residents: int):
    """A street of about ``residents`` people in communities of about 12,000; built once."""
    from frontline.areas.models import Area
    from frontline.demo.bulk import BulkBuilder

    name = f"筛查基准街道{residents}"
    found = Area.objects.filter(kind="street", name=name).first()
    if found is not None:
        return found
    started = time.monotonic()
    print(f"building {name} …", flush=True)
    city = Area.objects.filter(parent=None, name="筛查基准市").first()
    # Each street its own county codes: builders number ID numbers per (county, birth day), so two
    # streets sharing codes would share ID numbers, which a real ledger never does.
    built = Area.objects.filter(kind="street", parent__parent=city).count() if city else 0
    codes = [COUNTY_CODES[(built * 3 + k) % len(COUNTY_CODES)] for k in range(3)]
    builder = BulkBuilder(seed=residents, county_codes=codes)
    if city is None:
        city = builder.area("筛查基准市", "city")
        district = builder.area("基准区", "district", city)
    else:
        district = Area.objects.get(parent=city, name="基准区")
    the_street = builder.area(name, "street", district)
    per_building = 2 * 18 * 2 * 2.63
    buildings = max(1, round(residents / per_building))
    community = compound = None
    for b in range(buildings):
        if b % BUILDINGS_PER_COMMUNITY == 0:
            community = builder.area(f"第{b // BUILDINGS_PER_COMMUNITY + 1}社区", "community", the_street)
        if b % BUILDINGS_PER_COMPOUND == 0:
            compound = builder.area(f"第{b // BUILDINGS_PER_COMPOUND + 1}小区", "compound", community)
        building = builder.area(f"{b % BUILDINGS_PER_COMPOUND + 1}号楼", "building", compound)
        for u in (1, 2):
            unit = builder.area(f"{u}单元", "unit", building)
            for floor in range(1, 19):
                for room in (1, 2):
                    builder.household(unit, f"{floor}{room:02d}", floor)
    counts = builder.finish()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE areas_area; ANALYZE residents_household; ANALYZE residents_resident; ANALYZE residents_residenttag")
    print(f"built {counts['residents']:,} residents in {time.monotonic() - started:.0f} s", flush=True)
    return Area.objects.get(pk=the_street.pk)


def user(username, role, area):
    from frontline.accounts.models import RoleAssignment, User

    account, _ = User.objects.get_or_create(username=username)
    RoleAssignment.objects.get_or_create(user=account, role=role, area=area)
    account.forget_scope()
    return account


def open_round(areas, *, pooling="10", sites=1, desks_per_site=1, label="bench"):
    """A new open round over ``areas`` with sites and desks (on the first area); returns (round, desks)."""
    import datetime

    from django.utils import timezone

    from frontline.core.access import system_actor
    from frontline.screening.models import Round
    from frontline.screening.services import rounds

    now = timezone.now()
    round_obj = rounds.create_round(name=f"{label} {uuid.uuid4().hex[:6]}", areas=areas, starts_at=now - datetime.timedelta(hours=1),
                                    ends_at=now + datetime.timedelta(hours=23), pooling=pooling, actor=system_actor("benchmark"))
    rounds.set_round_status(round_obj, Round.Status.OPEN, actor=system_actor("benchmark"))
    desks = []
    for s in range(sites):
        site = rounds.add_site(round_obj, area=areas[0], name=f"采样点{s + 1}", actor=system_actor("benchmark"))
        desks += [rounds.add_desk(site, name=f"{d + 1}号台", actor=system_actor("benchmark")) for d in range(desks_per_site)]
    return round_obj, desks


def tube_codes(count, prefix=None):
    """Fresh tube barcodes: a random letter prefix per run keeps runs apart."""
    rnd = random.Random()
    prefix = prefix or "".join(rnd.choice("CDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3))
    start = rnd.randrange(10**8)
    return [f"{prefix}{start + i:012d}" for i in range(count)]


def new_client_id():
    return str(uuid.uuid4())


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(values):
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "mean": statistics.mean(values), "max": max(values)}
