"""The isolation ledger of a street with 5,000 active cases, sorted by urgency with today's
check-in state (issue 13): target p95 < 100 ms.

Check-ins move two moments on their case (last check-in, last alarming one), so the order is
read from the case table alone. Measured three ways, in the same run:
- the ledger as the page reads it (``isolation.ledger.ledger_page``: the first 200 rows, a page, with
  resident, household and area), for a street officer whose scope is the whole street;
- the whole page ``GET /isolation/`` through Django's test client (query, indicators, template);
- reference: one hand-written SQL statement answering the same from the check-ins (EXISTS
  probes per case, CASE, ORDER BY, joins, LIMIT 200), on the same connection.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_isolation_bench \\
        .venv/bin/python benchmarks/isolation_ledger.py --cases 5000 --runs 50

Without DATABASE_URL it runs on SQLite in a temporary file. It flushes and refills the database
named in DATABASE_URL: never point it at real data.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/isolation_bench.sqlite3"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def build(cases: int, seed: int = 13):
    from django.core.management import call_command
    from django.utils import timezone

    from frontline.accounts.models import RoleAssignment, User
    from frontline.core.dbstats import refresh_statistics
    from frontline.demo.bulk import BulkBuilder
    from frontline.isolation.models import CheckIn, IsolationCase
    from frontline.residents.models import Resident

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    rnd = random.Random(seed)
    builder = BulkBuilder(seed=seed)
    city = builder.area("基准市", "city")
    street = builder.area("基准街道", "street", builder.area("基准区", "district", city))
    per_compound = 0
    for c in range(8):
        community = builder.area(f"第{c + 1}社区", "community", street)
        for k in range(5):
            compound = builder.area(f"{k + 1}号院", "compound", community)
            for b in range(4):
                building = builder.area(f"{b + 1}号楼", "building", compound)
                for u in (1, 2):
                    unit = builder.area(f"{u}单元", "unit", building)
                    for floor in range(1, 11):
                        per_compound += 1
                        builder.household(unit, f"{floor}01", floor)
    builder.finish()
    officer = User.objects.create_user("bench-officer", password="bench-password-1")
    RoleAssignment.objects.create(user=officer, role="street_officer", area=street)
    now = timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    residents = list(Resident.objects.select_related("household__area").order_by("?")[:cases])
    rows = []
    for r in residents:
        start = now - datetime.timedelta(days=rnd.randrange(0, 13), hours=rnd.randrange(0, 24))
        rows.append(IsolationCase(resident=r, kind="home", reason="close_contact", start=start,
                                  planned_end=start + datetime.timedelta(days=14), exposure_at=start, area_path=r.household.area.path))
    made = IsolationCase.objects.bulk_create(rows, batch_size=2000)
    checkins = []
    for case in made:
        days = (now - case.start).days
        for d in range(days + 1):
            if d == 0:  # today: some time between midnight and now
                at = today + (now - today) * rnd.random()
            else:
                at = today - datetime.timedelta(days=d) + datetime.timedelta(hours=8, minutes=rnd.randrange(0, 120))
            if at <= case.start or at > now or (d == 0 and rnd.random() < 0.3):
                continue  # 30% have not checked in today
            fever = d == 0 and rnd.random() < 0.01
            checkins.append(CheckIn(case=case, at=at, temperature="37.9" if fever else "36.5", source="staff"))
            # What services.record_checkin keeps on the case.
            case.last_checkin_at = max(filter(None, [case.last_checkin_at, at]))
            if fever:
                case.last_alarm_at = max(filter(None, [case.last_alarm_at, at]))
    CheckIn.objects.bulk_create(checkins, batch_size=5000)
    IsolationCase.objects.bulk_update(made, ["last_checkin_at", "last_alarm_at"], batch_size=1000)
    refresh_statistics([IsolationCase, CheckIn])
    return officer, len(made), len(checkins)


# The reference answers from the check-ins themselves (two EXISTS probes per case), as a
# hand-written report would, sorting and joining in one statement.
REFERENCE_SQL = """
SELECT c.id, c.planned_end, r.name, h.room, a.name,
       EXISTS (SELECT 1 FROM isolation_checkin k WHERE k.case_id = c.id AND k.at >= %s) AS checked,
       EXISTS (SELECT 1 FROM isolation_checkin k WHERE k.case_id = c.id AND k.at >= %s
               AND (k.temperature >= 37.3 OR k.antigen = 'positive')) AS fever
FROM isolation_isolationcase c
JOIN residents_resident r ON r.id = c.resident_id
JOIN residents_household h ON h.id = r.household_id
JOIN areas_area a ON a.id = h.area_id
WHERE c.status IN ('active', 'transferred') AND c.area_path >= %s AND c.area_path < %s
ORDER BY CASE WHEN EXISTS (SELECT 1 FROM isolation_checkin k WHERE k.case_id = c.id AND k.at >= %s
                           AND (k.temperature >= 37.3 OR k.antigen = 'positive')) THEN 0
              WHEN EXISTS (SELECT 1 FROM isolation_checkin k WHERE k.case_id = c.id AND k.at >= %s) THEN 2 ELSE 1 END,
         c.planned_end, c.id
LIMIT 200
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from frontline.core.scoping import path_upper_bound
    from frontline.isolation.alerts import day_start
    from frontline.isolation.ledger import ledger_page

    print(f"load average at the start {os.getloadavg()[0]:.1f} (2 cores, shared); database {connection.vendor}")
    t0 = time.perf_counter()
    officer, cases, checkins = build(args.cases)
    print(f"world: {cases} active cases, {checkins} check-ins in one street; built in {time.perf_counter() - t0:.1f} s")
    street_path = officer.role_assignments.get().area.path
    now = timezone.now()

    def timed(fn):
        fn()  # warm
        out = []
        for _ in range(args.runs):
            start = time.perf_counter()
            fn()
            out.append((time.perf_counter() - start) * 1000)
        return out

    def orm():
        officer.forget_scope()
        rows = ledger_page(officer, now, limit=200)
        assert len(rows) == 200

    since = day_start(now)
    params = [since, now - datetime.timedelta(hours=24), street_path, path_upper_bound(street_path),
              now - datetime.timedelta(hours=24), since]

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(REFERENCE_SQL, params)
            assert len(cursor.fetchall()) == 200

    with override_settings(ALLOWED_HOSTS=["*"]):
        client = Client()
        client.force_login(officer)

        def page():
            assert client.get("/isolation/").status_code == 200

        results = {"ledger_page (2 statements, 200 rows: one page)": timed(orm), "reference (hand-written SQL)": timed(raw),
                   "whole page GET /isolation/ (200 rows, indicators)": timed(page)}
    for what, values in results.items():
        print(f"{what}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
              f"max {max(values):.1f} ms ({len(values)} runs)")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
