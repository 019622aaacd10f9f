"""Venue contacts: "everyone at this venue within ±30 minutes of this person", among N scans.

Loads N venue-code scans (PostgreSQL: COPY into the table with its indexes dropped, then the
indexes built; SQLite: batched INSERTs), then times, for random scans, the ORM query the tracing
code uses (contacts.venue_contacts: one index range on (venue, scanned_at)) and, for random people,
contacts.person_contacts (all their check-ins at once). Reference in the same run: the same
venue query as hand-written SQL through a cursor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_checkpoints \\
        .venv/bin/python benchmarks/gate_venue_contacts.py --scans 10000000
    DATABASE_URL=sqlite:////tmp/frontline-bench.sqlite3 .venv/bin/python benchmarks/gate_venue_contacts.py --scans 1000000

It empties the venue-scan table of the database named in DATABASE_URL: never point it at real data.
"""

import argparse
import datetime
import hashlib
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")

START = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
DAYS = 30
TABLE = "checkpoints_venuescan"
INDEXES = {
    "venuescan_venue_time": f"CREATE INDEX venuescan_venue_time ON {TABLE} (venue_id, scanned_at)",
    "venuescan_person_time": f"CREATE INDEX venuescan_person_time ON {TABLE} (person_hash, scanned_at)",
}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def prepare(venue_count):
    from django.core.management import call_command

    from frontline.areas.models import Area
    from frontline.areas.services import create_area
    from frontline.checkpoints.models import Venue
    from frontline.core.access import system_actor

    call_command("migrate", verbosity=0)
    area = Area.objects.filter(name="基准场所区", kind="compound").first()
    if area is None:
        city = create_area(name="基准场所市", kind="city", actor=system_actor("benchmark"))
        community = create_area(name="基准场所社区", kind="community", parent=city, actor=system_actor("benchmark"))
        area = create_area(name="基准场所区", kind="compound", parent=community, actor=system_actor("benchmark"))
    have = Venue.objects.filter(area=area).count()
    Venue.objects.bulk_create([Venue(area=area, name=f"店{i}", kind="shop") for i in range(have, venue_count)])
    return list(Venue.objects.filter(area=area).values_list("pk", flat=True)[:venue_count])


def rows(n, venues, people, seed=1, chunk=50_000):
    """Yield chunks of (venue, person, seconds after START); random.choices draws a chunk in C."""
    rng = random.Random(seed)
    span = range(DAYS * 86400)
    while n > 0:
        k = min(chunk, n)
        yield zip(rng.choices(venues, k=k), rng.choices(people, k=k), rng.choices(span, k=k), strict=True)
        n -= k


_DAYS = [(START + datetime.timedelta(days=d)).strftime("%Y-%m-%d") for d in range(DAYS)]
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def stamp(seconds: int) -> str:
    return f"{_DAYS[seconds // 86400]} {_HMS[seconds % 86400]}"


def load_postgres(n, venues, people):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"TRUNCATE {TABLE} RESTART IDENTITY")
        for name in INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
    t = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cur:
        # Bulk-load practice: skip the per-row foreign-key triggers (the venue ids are the ones made above).
        cur.execute("SET session_replication_role = replica")
        with cur.copy(f"COPY {TABLE} (venue_id, person_hash, scanned_at, source) FROM STDIN") as copy:
            for chunk in rows(n, venues, people):
                copy.write("".join(f"{v}\t{p}\t{stamp(s)}+00\tapp\n" for v, p, s in chunk))
        cur.execute("SET session_replication_role = DEFAULT")
    raw.commit()
    copy_s = time.perf_counter() - t
    t = time.perf_counter()
    with connection.cursor() as cur:
        for sql in INDEXES.values():
            cur.execute(sql)
        cur.execute(f"ANALYZE {TABLE}")
    index_s = time.perf_counter() - t
    print(f"COPY {n:,} scans: {copy_s:.1f} s ({n / copy_s:,.0f} rows/s); indexes + ANALYZE: {index_s:.1f} s", flush=True)


def load_sqlite(n, venues, people):
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE}")
    t = time.perf_counter()
    sql = f"INSERT INTO {TABLE} (venue_id, person_hash, scanned_at, source) VALUES (%s, %s, %s, 'app')"
    with transaction.atomic(), connection.cursor() as cur:
        for chunk in rows(n, venues, people):
            cur.executemany(sql, [(v, p, stamp(s)) for v, p, s in chunk])
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {TABLE}")
    s = time.perf_counter() - t
    print(f"INSERT {n:,} scans (SQLite, batched, indexes in place): {s:.1f} s ({n / s:,.0f} rows/s)", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--venues", type=int, default=2_000)
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--skip-load", action="store_true", help="query the scans already loaded")
    args = parser.parse_args()
    if args.scans > 20_000_000:
        raise SystemExit("bounded: at most 20,000,000 scans")
    import django

    django.setup()
    from django.db import connection

    from frontline.checkpoints.contacts import person_contacts, venue_contacts
    from frontline.checkpoints.models import VenueScan

    vendor = connection.vendor
    venues = prepare(args.venues)
    people = [hashlib.sha1(str(i).encode()).hexdigest() for i in range(args.people)]
    print(f"{vendor}; {len(venues):,} venues, {len(people):,} people, {DAYS} days; load average {os.getloadavg()[0]:.1f}",
          flush=True)
    if not args.skip_load:
        (load_postgres if vendor == "postgresql" else load_sqlite)(args.scans, venues, people)
    total = VenueScan.objects.count()
    rng = random.Random(5)
    max_id = VenueScan.objects.order_by("-id").values_list("id", flat=True).first()
    picks = list(VenueScan.objects.filter(id__in=[rng.randrange(1, max_id + 1) for _ in range(args.samples)])
                 .values_list("venue_id", "scanned_at", "person_hash"))
    window = datetime.timedelta(minutes=args.minutes)

    orm, found = [], []
    for venue, at, person in picks:
        t = time.perf_counter()
        result = list(venue_contacts(venue, at, args.minutes, exclude_person=person))
        orm.append((time.perf_counter() - t) * 1000)
        found.append(len(result))
    placeholder = "%s"
    raw_sql = (f"SELECT id, person_hash, resident_id, scanned_at FROM {TABLE} WHERE venue_id = {placeholder} "
               f"AND scanned_at >= {placeholder} AND scanned_at <= {placeholder} AND NOT (person_hash = {placeholder})")
    raw = []
    with connection.cursor() as cur:
        for venue, at, person in picks:
            t = time.perf_counter()
            cur.execute(raw_sql, [venue, at - window, at + window, person])
            cur.fetchall()
            raw.append((time.perf_counter() - t) * 1000)
    people_times, people_found = [], []
    for _venue, _at, person in picks[:100]:
        t = time.perf_counter()
        result = list(person_contacts(person, args.minutes))
        people_times.append((time.perf_counter() - t) * 1000)
        people_found.append(len(result))
    print(f"scans in the table: {total:,}; samples: {len(picks)}", flush=True)
    print(f"venue contacts ±{args.minutes} min (ORM, contacts.venue_contacts): p50 {pct(orm, 50):.2f} ms, "
          f"p95 {pct(orm, 95):.2f} ms, max {max(orm):.2f} ms; {sum(found) / len(found):.1f} contacts on average", flush=True)
    print(f"reference, the same query as hand-written SQL: p50 {pct(raw, 50):.2f} ms, p95 {pct(raw, 95):.2f} ms", flush=True)
    print(f"person contacts (all of one person's check-ins, ±{args.minutes} min each): p50 {pct(people_times, 50):.2f} ms, "
          f"p95 {pct(people_times, 95):.2f} ms; {sum(people_found) / len(people_found):.1f} contacts on average", flush=True)
    venue, at, person = picks[0]
    print("plan:", venue_contacts(venue, at, args.minutes, exclude_person=person).explain().replace("\n", " | ")[:600])
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
