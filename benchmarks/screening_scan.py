"""Benchmark: single-scan registration under 50 concurrent desks, against a real server on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/frontline_screening_bench \\
        .venv/bin/python benchmarks/screening_scan.py [--desks 50] [--duration 30] [--interval 1.0]

Starts gunicorn on 127.0.0.1 (gthread workers), then 50 desk threads, each with its own
keep-alive connection and device token, register people one by one through
``POST /api/v1/screening/desk/scan`` (the resident chosen, as after an online lookup), one scan
every ``--interval`` seconds (jittered) per desk, ten to a tube, for ``--duration`` seconds or
``--scans`` scans per desk, whichever comes first, after one warm-up scan per desk that is not
counted (``--no-warm-up``: every scan counted from a cold server). Then the same desks, at the same pace, ask
``GET /api/v1/screening/desks/{id}/tubes/{barcode}`` (an authenticated read through the same
stack): the reference measured in the same run. ``--interval 0`` runs closed-loop (saturation).
The server is stopped at the end. Issue 3's target: p95 under 50 ms, zero errors. Printed only.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import screening_common as common


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port, workers, threads):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "frontline.settings", "DEBUG": "false"}
    cmd = [str(common.ROOT / ".venv" / "bin" / "gunicorn"), "frontline.wsgi", "--bind", f"127.0.0.1:{port}",
           "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads), "--log-level", "warning",
           "--chdir", str(common.ROOT)]
    server = subprocess.Popen(cmd, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/accounts/login/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not start")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_desks(port, desks, make_request, interval, duration, per_desk):
    """Each desk in its own thread; returns (latencies ms, errors)."""
    latencies, errors, lock = [], [], threading.Lock()
    start_at = time.monotonic() + 0.5
    stop_at = start_at + duration

    def desk_loop(n, desk):
        rnd = random.Random(n)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        time.sleep(max(0.0, start_at - time.monotonic()) + rnd.random() * interval)
        mine = []
        for k in range(per_desk):
            if time.monotonic() >= stop_at:
                break
            method, path, body, expected = make_request(desk, k)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=desk["headers"])
                response = conn.getresponse()
                payload = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status not in expected:
                    with lock:
                        errors.append(f"{response.status} {payload[:160]!r}")
            except OSError as exc:
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    errors.append(repr(exc))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append(elapsed)
            if interval:
                time.sleep(max(0.0, interval * (0.5 + rnd.random()) - elapsed / 1000))
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=desk_loop, args=(n, d)) for n, d in enumerate(desks)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + 60)
    return latencies, errors, time.monotonic() - began


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desks", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between scans at one desk (0: closed loop)")
    parser.add_argument("--scans", type=int, default=60, help="at most this many scans per desk")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--street", type=int, default=40_000)
    parser.add_argument("--no-warm-up", action="store_true", help="count every scan from the server's first request")
    args = parser.parse_args()

    common.setup()
    from django.db import connections

    from frontline.accounts.models import DeviceToken
    from frontline.residents.models import Resident

    street = common.street(args.street)
    round_obj, desk_objs = common.open_round([street], sites=1, desks_per_site=args.desks, label="scan")
    people = list(Resident.objects.filter(household__area__path__startswith=street.path).order_by("?")
                  .values_list("pk", flat=True)[: args.desks * args.scans])
    desks = []
    for n, desk in enumerate(desk_objs):
        account = common.user(f"bench_desk_{n:02d}", "sampler", street)
        _token, key = DeviceToken.issue(account, "benchmark desk")
        desks.append({"id": desk.pk, "headers": {"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
                      "people": people[n * args.scans:(n + 1) * args.scans], "tubes": common.tube_codes(args.scans // 10 + 1)})
    connections.close_all()
    print(common.describe_database())
    print(f"{args.desks} desks, one scan every {args.interval or 0:g} s each (jittered), {args.duration:g} s at most, "
          f"gunicorn gthread {args.workers}×{args.threads} on 127.0.0.1")

    def scan(desk, _k):
        # Each desk's own count, so the warm-up's scans and the timed ones fill the same tubes in turn.
        k = desk["done"] = desk.get("done", -1) + 1
        body = json.dumps({"client_id": common.new_client_id(), "desk": desk["id"], "tube": desk["tubes"][k // 10],
                           "resident": desk["people"][k]})
        return "POST", "/api/v1/screening/desk/scan", body, (201,)

    def status(desk, k):
        return "GET", f"/api/v1/screening/desks/{desk['id']}/tubes/{desk['tubes'][k // 10]}", None, (200, 409)

    port = free_port()
    server = start_server(port, args.workers, args.threads)
    try:
        # Warm-up, not counted: one scan per desk, so every worker thread has served the path once
        # (imports, translations, compiled statements) before the clock runs, as at a real peak.
        if not args.no_warm_up:
            run_desks(port, desks, scan, args.interval, args.duration, 1)
        scan_ms, scan_errors, scan_s = run_desks(port, desks, scan, args.interval, args.duration, args.scans - 1)
        ref_ms, ref_errors, ref_s = run_desks(port, desks, status, args.interval, args.duration, args.scans)
    finally:
        stop_server(server)

    for label, values, errors, seconds in (("POST desk/scan (registration)", scan_ms, scan_errors, scan_s),
                                           ("GET tube status (reference)", ref_ms, ref_errors, ref_s)):
        s = common.summary(values)
        print(f"{label:<32} n {s['n']:5d}  {s['n'] / seconds:6.1f} req/s  p50 {s['p50']:6.1f}  p95 {s['p95']:6.1f}  "
              f"p99 {s['p99']:6.1f}  max {s['max']:7.1f} ms  errors {len(errors)}")
        for e in errors[:5]:
            print("   ", e)
    ratio = common.pct(scan_ms, 95) / max(common.pct(ref_ms, 95), 1e-6)
    print(f"p95 registration / p95 reference = {ratio:.2f}")
    from frontline.screening.models import Sample

    stored = Sample.objects.filter(round=round_obj).count()
    warm_up = 0 if args.no_warm_up else len(desks)
    print(f"samples stored: {stored} (warm-up {warm_up} + timed requests answered 201: {len(scan_ms) - len(scan_errors)})")
    sys.exit(0)


if __name__ == "__main__":
    main()
