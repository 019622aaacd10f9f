"""Benchmark: my work's badge count and first page for a worker among 1,000,000 open alerts.

    .venv/bin/python benchmarks/mywork.py [--alerts 1000000] [--n 300]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python benchmarks/mywork.py

Its own database (default: SQLite at /tmp/mywork_bench.sqlite3, migrated here): an area tree of
1 city › 10 districts › 100 streets › 1,000 communities › 5,000 compounds › 20,000 buildings,
and ``--alerts`` open alerts spread evenly over the buildings (90 % conflicting results, 10 %
positive pools, 30 % already acknowledged, 1 % assigned to someone), bulk inserted (executemany
on SQLite, COPY on PostgreSQL). Timed, for community workers (one community each, ~1,000 open
alerts in scope) and street officers (~10,000), each call for a user drawn at random:

- the badge: ``core.work.badge_count(user)``, what the navigation shows on every page;
- the first page of my work in-process (``mywork.services.inbox``: page, counts by kind, area names);
- ``GET /api/v1/me/work`` through Django's test client with a device token (the whole stack);
- ``GET /me/work/`` (the HTML page, with the badge in its navigation);

each beside a hand-written SQL reference in the same run (the badge's COUNT(*), the page's
ORDER BY … LIMIT). Prints the load average before and after. Target (issue 9): p95 < 20 ms.
"""

import argparse
import datetime
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/mywork_bench.sqlite3")

import apibench  # noqa: E402

ROOT_NAME = "待办基准市"
FANOUT = [("district", 10), ("street", 10), ("community", 10), ("compound", 5), ("building", 4)]
KINDS = [("screening.result_conflict", "urgent", 2, 0.9), ("screening.positive_pool", "emergency", 3, 0.1)]
MESSAGE = "Conflicting lab results for tube %(code)s: review them."


def build_tree():
    """The area tree (ids and paths set here, in bulk); the buildings' paths."""
    from frontline.areas.models import Area

    start = (Area.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    next_id = iter(range(start, start + 10**7))
    root_id = next(next_id)
    rows = [Area(pk=root_id, kind="city", name=ROOT_NAME, path=f"{root_id:010d}", depth=0)]
    level = [rows[0]]
    for kind, fanout in FANOUT:
        children = []
        for parent in level:
            for i in range(fanout):
                pk = next(next_id)
                children.append(Area(pk=pk, kind=kind, name=f"{kind}{i + 1}", parent_id=parent.pk,
                                     path=f"{parent.path}{pk:010d}", depth=parent.depth + 1))
        rows += children
        level = children
    Area.objects.bulk_create(rows, batch_size=2000)
    if Area.objects.filter(pk__gt=root_id).exists() and "postgresql" in os.environ["DATABASE_URL"]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('areas_area', 'id'), (SELECT max(id) FROM areas_area))")
    return [a.path for a in level]


def insert_alerts(paths, total, someone_id):
    from django.db import connection, transaction

    from frontline.core.models import Alert

    fields = [f for f in Alert._meta.local_concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    rnd = random.Random(9)
    now = datetime.datetime.now(datetime.UTC)
    ops = connection.ops

    def rows():
        for i in range(total):
            r = rnd.random()
            kind, severity, rank, _share = KINDS[1] if r < 0.1 else KINDS[0]
            created = now - datetime.timedelta(seconds=rnd.randrange(14 * 86400), microseconds=rnd.randrange(10**6))
            acked = created + datetime.timedelta(minutes=5) if rnd.random() < 0.3 else None
            values = {
                "kind": kind, "severity": severity, "rank": rank, "key": f"bench:{i}", "area_path": paths[i % len(paths)],
                "target_type_id": None, "target_id": "", "message": MESSAGE, "params": f'{{"code": "HS{i:09d}"}}',
                "created_at": created, "due": None, "assignee_id": someone_id if rnd.random() < 0.01 else None,
                "raised_by": "bench", "acknowledged_at": acked, "acknowledged_by_id": None, "resolved_at": None,
                "resolved_by_id": None, "resolved_by_name": "", "resolution": "", "notified_at": None,
            }
            yield [values[c] for c in columns]

    started = time.monotonic()
    table = Alert._meta.db_table
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
    else:
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch = []
        with transaction.atomic(), connection.cursor() as cursor:
            for row in rows():
                batch.append([ops.adapt_datetimefield_value(v) if isinstance(v, datetime.datetime) else v for v in row])
                if len(batch) == 20000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    elapsed = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"inserted {total:,} alerts in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s)", flush=True)


def users(kind, count, rnd):
    from frontline.accounts.models import RoleAssignment, User
    from frontline.areas.models import Area

    root = Area.objects.get(parent=None, name=ROOT_NAME)
    areas = list(Area.objects.subtree(root).filter(kind=kind).order_by("path"))
    chosen = [areas[rnd.randrange(len(areas))] for _ in range(count)]
    role = "community_worker" if kind == "community" else "street_officer"
    out = []
    for i, where in enumerate(chosen):
        user, _ = User.objects.get_or_create(username=f"bench_mywork_{kind}_{i}")
        user.role_assignments.all().delete()
        RoleAssignment.objects.create(user=user, role=role, area=where)
        user.forget_scope()
        user.scope_paths("view")
        out.append(user)
    return out


def timed(fn, args_list, warmup=10):
    """Wall-clock ms per call (as apibench.timed), and the process CPU ms of each call beside it:
    on a shared, loaded machine the CPU time is what the code costs, the wall time what a user waits."""
    for args in args_list[:warmup]:
        fn(*args)
    wall, cpu = [], []
    for args in args_list:
        started, cpu_started = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    CPU.append(cpu)
    return wall


CPU: list = []


def row(label, times, reference=None):
    out = apibench.row(label, times, reference)
    cpu = CPU[-1]
    print(f"{'':<52} CPU p50 {apibench.pct(cpu, 50):7.2f}  p95 {apibench.pct(cpu, 95):7.2f} ms", flush=True)
    return out


def sql_references(user):
    """The badge's count and the first page as hand-written SQL (same conditions as restrict())."""
    from frontline.core.registry import alert_kinds

    [path] = user.scope_paths("view")
    kinds = sorted(code for code, kind in alert_kinds().items() if kind.action == "view" and not kind.roles)
    where, params = apibench.scope_sql("area_path", path)
    marks = ", ".join(["%s"] * len(kinds))
    base = (f"FROM core_alert WHERE resolved_at IS NULL AND kind IN ({marks}) AND {where} "
            "AND (assignee_id IS NULL OR assignee_id = %s)")
    badge = (f"SELECT COUNT(*) {base} AND acknowledged_at IS NULL", [*kinds, *params, user.pk])
    columns = "id, kind, severity, rank, area_path, message, params, created_at, due, acknowledged_at, target_type_id, target_id"
    order = "ORDER BY rank DESC, created_at DESC, id DESC"
    # A page of 20 (the HTML page) and of 50 (the API's default), each with one more to know if more follow.
    page = (f"SELECT {columns} {base} {order} LIMIT 21", [*kinds, *params, user.pk])
    api_page = (f"SELECT {columns} {base} {order} LIMIT 51", [*kinds, *params, user.pk])
    return badge, page, api_page


def explain(sql, params):
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    rows = apibench.run_sql(prefix + sql, params)
    return "; ".join(str(r[-1]) for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1_000_000)
    parser.add_argument("--n", type=int, default=300, help="calls per scenario")
    args = parser.parse_args()

    apibench.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from frontline.core import work
    from frontline.core.models import Alert
    from frontline.mywork import services

    call_command("migrate", verbosity=0)
    print(f"load average before: {os.getloadavg()}")
    open_alerts = Alert.objects.filter(resolved_at__isnull=True).count()
    if open_alerts < args.alerts:
        from frontline.accounts.models import User
        from frontline.areas.models import Area

        started = time.monotonic()
        if not Area.objects.filter(parent=None, name=ROOT_NAME).exists():
            buildings = build_tree()
        else:
            root = Area.objects.get(parent=None, name=ROOT_NAME)
            buildings = list(Area.objects.subtree(root).filter(kind="building").order_by("path").values_list("path", flat=True))
        someone, _ = User.objects.get_or_create(username="bench_mywork_assignee")
        insert_alerts(buildings, args.alerts - open_alerts, someone.pk)
        print(f"data ready in {time.monotonic() - started:.0f} s")
    if connection.vendor == "postgresql":
        # Bulk-loaded rows are not yet all-visible: without a VACUUM the counts read the heap
        # instead of the index alone (autovacuum would get there, later).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE core_alert")
    db = connection.settings_dict["NAME"]
    print(f"{connection.vendor} ({db}): {Alert.objects.filter(resolved_at__isnull=True).count():,} open alerts; "
          f"calls per scenario: {args.n}; times in ms\n")

    rnd = random.Random(5)
    results = {}
    for label, kind in (("community worker", "community"), ("street officer", "street")):
        people = users(kind, 20, rnd)
        picks = [(rnd.choice(people),) for _ in range(args.n)]
        refs = {u.pk: sql_references(u) for u in people}
        sample = people[0]
        print(f"{label}: badge {work.badge_count(sample)}, open in scope {sum(work.counts(sample).values())}")
        print(f"  badge plan: {explain(*refs[sample.pk][0])}")
        print(f"  page plan:  {explain(*refs[sample.pk][1])}")
        badge_ref = timed(lambda u, refs=refs: apibench.run_sql(*refs[u.pk][0]), picks)
        results[(label, "badge")] = row(f"{label}: badge count", timed(work.badge_count, picks),
                                                 badge_ref)
        page_ref = timed(lambda u, refs=refs: apibench.run_sql(*refs[u.pk][1]), picks)
        results[(label, "page")] = row(f"{label}: first page of 20 (services.inbox)",
                                                timed(lambda u: services.inbox(u), picks), page_ref)
        clients = {u.pk: apibench.token_client(u) for u in people}

        def api(u, clients=clients):
            apibench.check(clients[u.pk].get("/api/v1/me/work"), "api")

        api_ref = timed(lambda u, refs=refs: apibench.run_sql(*refs[u.pk][2]), picks)
        results[(label, "api")] = row(f"{label}: GET /api/v1/me/work (50 items)", timed(api, picks), api_ref)
        sessions = {}
        for u in people:
            sessions[u.pk] = Client()
            sessions[u.pk].force_login(u)

        def html(u, sessions=sessions):
            response = sessions[u.pk].get("/me/work/")
            if response.status_code != 200:
                sys.exit(f"/me/work/: HTTP {response.status_code}")

        results[(label, "html")] = row(f"{label}: GET /me/work/ (HTML, 20 items)", timed(html, picks),
                                                page_ref)
        print()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
