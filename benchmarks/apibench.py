"""Shared set-up for the API benchmarks (lookup.py, resident_list_api.py).

The data is a generated city (``frontline demo --size N --no-base``; ``--generate`` here does the
same). Two benchmark users hold real roles in it: a community worker on one community and a
street officer on the street above it. Requests go through Django's test client with a device
token, so middleware, authentication, scoping, serialisation and JSON rendering are all timed.
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")


def setup():
    import django

    django.setup()


def city_with(size: int, generate: bool):
    """The generated city of about ``size`` residents, generating it if asked (and absent)."""
    from frontline.areas.models import Area
    from frontline.demo.bulk import generate_city

    name = f"规模测试市{size}"
    city = Area.objects.filter(parent=None, name=name).first()
    if city is None and generate:
        print(f"generating {name} (this takes a while) …", flush=True)
        started = time.monotonic()
        city, counts = generate_city(size, stdout=sys.stdout)
        print(f"generated {counts['residents']:,} residents in {time.monotonic() - started:.0f} s", flush=True)
    if city is None:
        sys.exit(f"No city named {name}: run `manage.py demo --size {size} --no-base` first, or pass --generate.")
    return city


def bench_users(city):
    """(worker, officer): a community worker on a community in the middle of the city, and a
    street officer on its street. Created once, reused."""
    from frontline.accounts.models import RoleAssignment, User
    from frontline.areas.models import Area

    communities = list(Area.objects.subtree(city).filter(kind="community").order_by("path").values_list("pk", flat=True))
    community = Area.objects.get(pk=communities[len(communities) // 2])
    street = community.parent
    worker, _ = User.objects.get_or_create(username="bench_worker")
    officer, _ = User.objects.get_or_create(username="bench_officer")
    RoleAssignment.objects.get_or_create(user=worker, role="community_worker", area=community)
    RoleAssignment.objects.get_or_create(user=officer, role="street_officer", area=street)
    worker.forget_scope()
    officer.forget_scope()
    return worker, officer


def token_client(user):
    from django.test import Client

    from frontline.accounts.models import DeviceToken

    _token, key = DeviceToken.issue(user, "benchmark")
    return Client(headers={"Authorization": f"Bearer {key}"})


def timed(fn, args_list, warmup=10):
    """Call ``fn(*args)`` for each args in ``args_list``; milliseconds per call (after ``warmup`` calls)."""
    for args in args_list[:warmup]:
        fn(*args)
    times = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        times.append((time.perf_counter() - started) * 1000)
    return times


def pct(times, p):
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def row(label, times, reference=None):
    text = f"{label:<52} p50 {pct(times, 50):7.2f}  p95 {pct(times, 95):7.2f}  p99 {pct(times, 99):7.2f} ms"
    if reference:
        ratio = pct(times, 95) / max(pct(reference, 95), 1e-6)
        text += f"   | SQL ref p50 {pct(reference, 50):6.2f}  p95 {pct(reference, 95):6.2f} ms  (×{ratio:.1f})"
    print(text, flush=True)
    return {"p50": pct(times, 50), "p95": pct(times, 95), "mean": statistics.mean(times)}


def scope_sql(column: str, path: str):
    """A subtree as hand-written SQL: the same index range restrict() uses (frontline.core.scoping.path_q)."""
    from frontline.core.scoping import path_upper_bound

    return f"{column} >= %s AND {column} < %s", [path, path_upper_bound(path)]


def prefix_sql(column: str, prefix: str):
    """A text prefix as hand-written SQL, in the form the database's index serves."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"{column} LIKE %s", [prefix + "%"]
    return f"{column} >= %s AND {column} < %s", [prefix, prefix + "\U0010ffff"]


def run_sql(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def check(response, label):
    if response.status_code != 200:
        sys.exit(f"{label}: HTTP {response.status_code} {response.content[:300]!r}")
    return response.json()


def sample(rnd: random.Random, population, k):
    population = list(population)
    return [population[rnd.randrange(len(population))] for _ in range(k)]


def describe_database():
    from django.db import connection

    from frontline.residents.models import Resident

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'residents_resident'")
            estimate = cursor.fetchone()[0]
        return f"PostgreSQL ({connection.settings_dict['NAME']}), about {estimate:,} residents"
    return f"SQLite ({connection.settings_dict['NAME']}), {Resident.objects.count():,} residents"
