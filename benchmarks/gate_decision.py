"""Gate decision under a steady load: identify + policy + record, over HTTP, on PostgreSQL.

A real server (gunicorn, gthread workers) on 127.0.0.1 answers POST /api/v1/checkpoints/passages
from a gate phone's device token; an open-loop generator sends a fixed rate for a fixed time, so
a slow answer does not slow the sender (latency is measured from each request's scheduled time).
The compound has a controlled policy (one person per household every two days), so every exit
goes through the household-quota row lock. The run is bounded in rate, time and connections.

Reference, measured in the same run: the framework floor (a trivial authenticated GET through the
same server at the same rate) and the decision service called in-process (no HTTP).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_checkpoints \\
        .venv/bin/python benchmarks/gate_decision.py --rate 200 --seconds 300

It flushes and refills the database named in DATABASE_URL: never point it at real data.
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frontline.settings")


def setup_django():
    import django

    django.setup()


def build_world(households: int, per_household: int):
    """One compound of ``households`` households; returns (gate, resident id numbers, device key)."""
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from frontline.accounts.models import DeviceToken, RoleAssignment, User
    from frontline.areas.services import create_area
    from frontline.checkpoints import services
    from frontline.core.access import system_actor
    from frontline.residents.models import Household, Resident
    from frontline.residents.services import name_keys_for
    from tests.factories import make_id_number

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    admin = User.objects.create_superuser("bench-admin", "", "bench-password-1")
    city = create_area(name="基准市", kind="city", actor=system_actor("benchmark"))
    street = create_area(name="基准街道", kind="street", parent=create_area(name="基准区", kind="district", parent=city, actor=system_actor("benchmark")), actor=system_actor("benchmark"))
    community = create_area(name="基准社区", kind="community", parent=street, actor=system_actor("benchmark"))
    compound = create_area(name="基准小区", kind="compound", parent=community, actor=system_actor("benchmark"))
    units = [create_area(name=f"{b}号楼", kind="building", parent=compound, actor=system_actor("benchmark")) for b in range(1, 11)]
    units = [create_area(name="1单元", kind="unit", parent=b, actor=system_actor("benchmark")) for b in units]
    homes = Household.objects.bulk_create(
        [Household(area=units[i % len(units)], room=f"{i // len(units) + 1:04d}") for i in range(households)]
    )
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    given = "明华强军平伟芳娜敏静丽磊洋勇艳杰涛超秀英"
    rng = random.Random(7)
    residents, numbers, seq = [], [], 0
    for home in homes:
        for k in range(per_household):
            seq += 1
            number = make_id_number(seq=seq)
            numbers.append(number)
            residents.append(Resident(household=home, name=rng.choice(surnames) + rng.choice(given) + rng.choice(given),
                                      id_number=number, relation="head" if k == 0 else "other"))
    residents = Resident.objects.bulk_create(residents, batch_size=2000)
    from frontline.residents.models import NameKey

    paths = {home.pk: home.area.path for home in homes}
    NameKey.objects.bulk_create(name_keys_for(residents, paths), batch_size=5000)
    services.set_policy(area=compound, mode="controlled", quota_people=1, quota_days=2, reason="基准测试",
                        effective_from=timezone.now() - datetime.timedelta(hours=1), actor=admin)
    gate = services.create_gate(compound=compound, name="东门", actor=admin)
    staff = User.objects.create_user("bench-gate", password="bench-password-1")
    RoleAssignment.objects.create(user=staff, role="volunteer", area=compound)
    _token, key = DeviceToken.issue(staff, "bench gate phone")
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as autovacuum would soon have on a real database
        cursor.execute("ANALYZE")
    return gate, numbers, key, staff


# --- a minimal HTTP/1.1 keep-alive client (no third-party client needed) -------------------------

class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def request(self, method, path, headers, body=b""):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
            elif name.lower() == "connection" and value.strip().lower() == "close":
                close = True
        payload = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, payload


async def open_loop(host, port, rate, seconds, make_request, connections, give_up=10.0):
    """Send ``rate`` requests a second for ``seconds``; latency from each scheduled send time.

    One dispatcher starts each request at its scheduled time (open loop: a slow answer does not
    delay the next send); a request waits for a free keep-alive connection when all are busy, and
    that wait counts in its latency. The generator's own CPU time is returned, since it shares
    the machine's cores with the server.
    """
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(host, port))
    latencies, errors, statuses = [], [], {}
    cpu = time.process_time()
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)
    running = set()

    async def one(i, scheduled):
        conn = await pool.get()
        if time.perf_counter() - scheduled > give_up:
            # The server is this far behind: do not pile up a backlog the run would wait for.
            pool.put_nowait(conn)
            errors.append((0, f"not sent: over {give_up:.0f} s behind schedule"))
            statuses["dropped"] = statuses.get("dropped", 0) + 1
            return
        try:
            method, path, headers, body = make_request(i)
            status, payload = await conn.request(method, path, headers, body)
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 300:
                errors.append((status, payload[:200]))
        except Exception as exc:  # a refused or dropped connection counts as an error
            errors.append((0, repr(exc)))
            conn = Connection(host, port)
        finally:
            pool.put_nowait(conn)
        latencies.append(time.perf_counter() - scheduled)

    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.ensure_future(one(i, scheduled))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running)
    elapsed = time.perf_counter() - start
    return latencies, errors, statuses, elapsed, time.process_time() - cpu


def pct(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def summary(name, latencies, errors, statuses, elapsed, cpu, requested):
    ms = [x * 1000 for x in latencies] or [float("nan")]
    line = (f"{name}: {len(latencies)} answered in {elapsed:.1f} s = {len(latencies) / elapsed:.1f}/s (asked {requested}/s); "
            f"p50 {pct(ms, 50):.1f} ms, p95 {pct(ms, 95):.1f} ms, p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms; "
            f"errors {len(errors)}; statuses {dict(sorted(statuses.items(), key=str))}; "
            f"generator CPU {1000 * cpu / max(1, len(latencies)):.2f} ms/request; load average {os.getloadavg()[0]:.1f}")
    print(line, flush=True)
    if errors:
        print("  first errors:", errors[:3], flush=True)
    return line


def _cpu_seconds(pid) -> float:
    """User + system CPU time of one process so far (Linux /proc), 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class CpuMeter:
    """CPU seconds spent by the server (gunicorn master and workers) and by the PostgreSQL
    backends serving this database during a run: with the machine shared, CPU per decision says
    what the work costs, whatever else runs beside it. Backends come and go (CONN_MAX_AGE), so
    they are sampled every half second; a backend first seen during the run is new (counted from
    zero), and one that exits keeps its last sample."""

    def __init__(self, server_pid, database):
        import psycopg
        from django.db import connections

        params = connections["default"].get_connection_params()
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.server_pid, self.database = server_pid, database

    def _sample(self, seen, first):
        backends = [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
            [self.database]).fetchall()]
        for pid in [self.server_pid, *_children(self.server_pid)]:
            seen[("server", pid)] = _cpu_seconds(pid)
        for pid in backends:
            used = _cpu_seconds(pid)
            if used:
                seen[("db", pid)] = used
        if first is not None:
            first.update(seen)

    def run(self, work):
        import threading

        first, seen, stop = {}, {}, threading.Event()
        self._sample(seen, first)
        start = dict(first)

        def poll():
            while not stop.wait(0.5):
                self._sample(seen, None)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            result = work()
        finally:
            stop.set()
            thread.join()
            self._sample(seen, None)
        spent = {"server": 0.0, "db": 0.0}
        for key, used in seen.items():
            spent[key[0]] += used - start.get(key, 0.0)
        return result, spent


def measured(run, meter, label, requested):
    """Run one open-loop ``run`` and print its summary with the server's and database's CPU."""
    result, spent = meter.run(run)
    line = summary(label, *result, requested)
    answered = max(1, len(result[0]))
    print(f"  CPU per answered request: server {1000 * spent['server'] / answered:.2f} ms, "
          f"PostgreSQL {1000 * spent['db'] / answered:.2f} ms, generator {1000 * result[4] / answered:.2f} ms", flush=True)
    return line


def wait_for(host, port, timeout=30):
    import socket

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def in_process_reference(gate, staff, numbers, count=300):
    from django.db import connection

    from frontline.checkpoints.decisions import record_passage

    rng = random.Random(11)
    times = []
    for i in range(count):
        t = time.perf_counter()
        record_passage(gate=gate, actor=staff, direction="out" if i % 2 else "in", value=rng.choice(numbers),
                       temperature=None if i % 2 else "36.5", client_id=uuid.uuid4())
        times.append((time.perf_counter() - t) * 1000)
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_insert (id bigserial primary key, client_id uuid unique, at timestamptz, note text)")
        raw = []
        for _ in range(count):
            t = time.perf_counter()
            cur.execute("INSERT INTO bench_insert (client_id, at, note) VALUES (%s, now(), 'x')", [uuid.uuid4()])
            raw.append((time.perf_counter() - t) * 1000)
        cur.execute("DROP TABLE bench_insert")
    return times, raw


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=300, help="length of the main run (0: sweep only)")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--per-household", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--connections", type=int, default=48)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--floor-seconds", type=float, default=20, help="length of the framework-floor reference run")
    parser.add_argument("--sweep", default="", help="comma-separated rates to try for --sweep-seconds each before the main run")
    parser.add_argument("--sweep-seconds", type=float, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database you may flush")
    if args.rate * args.seconds > 200_000 or args.seconds > 900 or args.connections > 256:
        raise SystemExit("bounded: at most 200,000 requests, 900 s and 256 connections")
    setup_django()
    from django.db import connections

    t = time.perf_counter()
    gate, numbers, key, staff = build_world(args.households, args.per_household)
    print(f"load average at the start {os.getloadavg()[0]:.1f} (2 cores, shared)", flush=True)
    print(f"world: {len(numbers)} residents in {args.households} households, controlled 1 per 2 days; "
          f"built in {time.perf_counter() - t:.1f} s", flush=True)
    proc_ref, raw_ref = in_process_reference(gate, staff, numbers)
    print(f"reference, in-process decision (identify + policy + record, no HTTP): p50 {pct(proc_ref, 50):.1f} ms, "
          f"p95 {pct(proc_ref, 95):.1f} ms", flush=True)
    print(f"reference, one autocommitted raw INSERT: p50 {pct(raw_ref, 50):.2f} ms, p95 {pct(raw_ref, 95):.2f} ms", flush=True)
    connections.close_all()

    env = {**os.environ, "LOG_LEVEL": "ERROR", "DEBUG": "False"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "frontline.wsgi", "--bind", f"127.0.0.1:{args.port}", "--worker-class", "gthread",
         "--workers", str(args.workers), "--threads", str(args.threads), "--keep-alive", "30", "--log-level", "error"],
        cwd=ROOT, env=env,
    )
    try:
        wait_for("127.0.0.1", args.port)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept-Language": "zh-hans"}
        rng = random.Random(3)

        def floor_request(i):
            return "GET", f"/api/v1/checkpoints/gates/{gate.pk}", headers, b""

        def decision_request(i):
            out = rng.random() < 0.5
            body = {"gate_id": gate.pk, "direction": "out" if out else "in", "value": rng.choice(numbers),
                    "health_code": "green", "client_id": str(uuid.uuid4()),
                    "client_time": time.strftime("%Y-%m-%dT%H:%M:%S+08:00")}
            if not out:
                body["temperature"] = rng.choice(["36.4", "36.6", "36.8", "37.0"])
            return "POST", "/api/v1/checkpoints/passages", headers, json.dumps(body).encode()

        meter = CpuMeter(server.pid, connections["default"].settings_dict["NAME"])

        def loop(rate, seconds, make):
            return lambda: asyncio.run(open_loop("127.0.0.1", args.port, rate, seconds, make, args.connections))

        # Warm up every worker and thread on both paths (imports, URL and schema caches, connections).
        loop(20, 3, floor_request)()
        loop(20, 5, decision_request)()
        if args.floor_seconds > 0:
            measured(loop(args.rate, args.floor_seconds, floor_request), meter,
                     "reference, framework floor (GET one gate, same server and rate)", args.rate)
        for rate in [float(r) for r in args.sweep.split(",") if r]:
            measured(loop(rate, args.sweep_seconds, decision_request), meter,
                     f"sweep: gate decision at {rate:g}/s for {args.sweep_seconds:g} s", rate)
        if args.seconds > 0:
            measured(loop(args.rate, args.seconds, decision_request), meter,
                     "gate decision (POST /passages: identify + policy + record)", args.rate)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
    from frontline.checkpoints.models import Passage

    print(f"passages stored: {Passage.objects.count()} "
          f"(allowed {Passage.objects.filter(decision='allowed').count()}, refused {Passage.objects.filter(decision='refused').count()})")


if __name__ == "__main__":
    main()
