"""Task-queue throughput and latency (issue 9, "Figures"), beside the raw rate of the storage.

(Not ``benchmarks/queue.py``: a script's folder comes first on ``sys.path``, and a ``queue.py``
there hides the standard library's ``queue`` from every benchmark, Django and psycopg included.)

    .venv/bin/python benchmarks/task_queue.py [--tasks 5000] [--latency-tasks 500] [--no-redis] [--no-frontline]

For the embedded default (SqliteHuey on a file) and Redis (RedisHuey on a redis-server this script
starts on a free port, no persistence), it measures:

- enqueue rate of no-op tasks (one producer thread);
- drain rate: those tasks run by two worker threads (huey's own Worker loop, with the polling
  settings of frontline/settings.py: delay 0.1 s, backoff 1.15, at most 2 s);
- latency from enqueue to start, p50 / p95, with tasks enqueued every ``--interval`` seconds (a
  warm worker), and for one task after the worker has idled (the polling delay at its maximum);
- the reference, in the same run: raw single-row INSERTs into the same SQLite table layout with
  the same pragmas (autocommit, WAL), and raw LPUSH round trips of the same payload to the same
  redis-server.

With ``--frontline`` (default on), the same for a Frontline task (``core.queue.frontline_task``:
a JobRun row written on enqueue, claimed and finished by the worker) on SQLite, in a temporary
database. Load average is printed at the start and the end. Nothing is asserted.
"""

import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POLL = {"default_delay": 0.1, "max_delay": 2.0, "backoff": 1.15}


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


class Bench:
    """No-op tasks on one Huey instance, with counters the tasks fill in."""

    def __init__(self, huey):
        self.huey = huey
        self.lock = threading.Lock()
        self.starts = []
        self.done = 0

        @huey.task(name="noop")
        def noop(enqueued_at):
            started = time.monotonic()
            with self.lock:
                self.starts.append(started - enqueued_at)
                self.done += 1

        self.noop = noop

    def reset(self):
        with self.lock:
            self.starts, self.done = [], 0

    def workers(self, count=2):
        from huey.consumer import Worker

        stop = threading.Event()
        threads = []
        for _ in range(count):
            worker = Worker(self.huey, stop, **POLL)

            def run(worker=worker):
                while not stop.is_set():
                    worker.loop()

            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            threads.append(thread)
        return stop, threads

    def wait(self, n, timeout=600):
        deadline = time.monotonic() + timeout
        while self.done < n and time.monotonic() < deadline:
            time.sleep(0.005)
        return self.done >= n


def measure(bench: Bench, label: str, tasks: int, latency_tasks: int, interval: float):
    bench.huey.flush()
    bench.reset()
    started = time.perf_counter()
    for _ in range(tasks):
        bench.noop(0.0)
    enqueue_s = time.perf_counter() - started
    started = time.perf_counter()
    stop, threads = bench.workers(2)
    bench.wait(tasks)
    drain_s = time.perf_counter() - started
    # Warm latency: tasks arrive one at a time, every `interval` seconds.
    bench.reset()
    for _ in range(latency_tasks):
        bench.noop(time.monotonic())
        time.sleep(interval)
    bench.wait(latency_tasks)
    warm = list(bench.starts)
    # Idle latency: the workers have backed off to their longest poll.
    time.sleep(5)
    idle = []
    for _ in range(5):
        bench.reset()
        bench.noop(time.monotonic())
        bench.wait(1)
        idle += bench.starts
        time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(5)
    print(f"{label:22} enqueue {tasks / enqueue_s:9,.0f}/s   run (2 threads) {tasks / drain_s:9,.0f}/s   "
          f"enqueue→start warm p50 {1000 * pct(warm, 50):7.1f} ms p95 {1000 * pct(warm, 95):7.1f} ms   "
          f"after idle p50 {1000 * pct(idle, 50):7.1f} ms max {1000 * max(idle):7.1f} ms")
    return {"enqueue": tasks / enqueue_s, "run": tasks / drain_s, "p50": pct(warm, 50), "p95": pct(warm, 95),
            "idle_max": max(idle)}


def raw_sqlite(path: Path, n: int, payload: bytes) -> float:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute('pragma journal_mode="wal"')
    db.execute("pragma cache_size=-8000")
    db.execute("create table if not exists task (id integer not null primary key, queue text not null, "
               "data blob not null, priority real not null default 0.0)")
    started = time.perf_counter()
    for _ in range(n):
        db.execute("insert into task (queue, data, priority) values (?, ?, ?)", ("raw", memoryview(payload), 0))
    elapsed = time.perf_counter() - started
    db.close()
    return n / elapsed


def raw_redis(port: int, n: int, payload: bytes) -> float:
    import redis

    client = redis.Redis(port=port)
    client.delete("raw")
    started = time.perf_counter()
    for _ in range(n):
        client.lpush("raw", payload)
    elapsed = time.perf_counter() - started
    client.delete("raw")
    return n / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(tmp: Path):
    binary = shutil.which("redis-server")
    if not binary:
        return None, None
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                               "--dir", str(tmp)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            return server, port
        except redis.ConnectionError:
            time.sleep(0.05)
    server.kill()
    return None, None


def frontline(tmp: Path, tasks: int, latency_tasks: int, interval: float):
    """The same through core.queue.frontline_task (JobRun rows) on a temporary SQLite database."""
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "frontline.settings", "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
        "FRONTLINE_VAR_DIR": str(tmp / "var"), "FRONTLINE_QUEUE_FILE": str(tmp / "frontline-queue.sqlite3"),
        "FRONTLINE_QUEUE_IMMEDIATE": "0", "QUEUE_LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from frontline.core.access import system_actor
    from frontline.core.models import JobRun
    from frontline.core.queue import frontline_task, huey

    lock = threading.Lock()
    seen = {"starts": [], "done": 0}

    @frontline_task("bench.noop", retries=0)
    def noop(*, actor, job, enqueued_at):
        with lock:
            seen["starts"].append(time.time() - enqueued_at)
            seen["done"] += 1

    bench = Bench.__new__(Bench)
    bench.huey = huey()
    actor = system_actor("bench")

    def wait(n):
        deadline = time.monotonic() + 600
        while seen["done"] < n and time.monotonic() < deadline:
            time.sleep(0.005)

    started = time.perf_counter()
    for _ in range(tasks):
        noop.enqueue(actor=actor, enqueued_at=0.0)
    enqueue_s = time.perf_counter() - started
    started = time.perf_counter()
    stop, threads = Bench.workers(bench, 2)
    wait(tasks)
    drain_s = time.perf_counter() - started
    with lock:
        seen["starts"], seen["done"] = [], 0
    for _ in range(latency_tasks):
        noop.enqueue(actor=actor, enqueued_at=time.time())
        time.sleep(interval)
    wait(latency_tasks)
    warm = list(seen["starts"])
    stop.set()
    for thread in threads:
        thread.join(5)
    done = JobRun.objects.filter(name="bench.noop", state="done").count()
    print(f"{'frontline_task, SQLite':22} enqueue {tasks / enqueue_s:9,.0f}/s   run (2 threads) {tasks / drain_s:9,.0f}/s   "
          f"enqueue→start warm p50 {1000 * pct(warm, 50):7.1f} ms p95 {1000 * pct(warm, 95):7.1f} ms   "
          f"({done} JobRun rows done)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--latency-tasks", type=int, default=500)
    parser.add_argument("--interval", type=float, default=0.01, help="seconds between two tasks in the latency run")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--no-frontline", action="store_true")
    args = parser.parse_args()

    from huey import RedisHuey, SqliteHuey

    print(f"load average at start: {load()}  (cores: {os.cpu_count()})")
    tmp = Path(tempfile.mkdtemp(prefix="frontline-queue-bench-"))
    server = None
    try:
        sqlite_huey = SqliteHuey("bench", filename=str(tmp / "queue.sqlite3"), results=False)
        bench = Bench(sqlite_huey)
        payload = sqlite_huey.serialize_task(bench.noop.s(0.0))
        print(f"payload of one no-op task: {len(payload)} bytes")
        print(f"{'raw SQLite INSERT':22} {raw_sqlite(tmp / 'raw.sqlite3', args.tasks, payload):9,.0f}/s   "
              "(autocommit, WAL, same table and pragmas)")
        measure(bench, "SqliteHuey", args.tasks, args.latency_tasks, args.interval)
        if not args.no_redis:
            server, port = start_redis(tmp)
            if server is None:
                print("redis-server not found: Redis skipped")
            else:
                print(f"{'raw Redis LPUSH':22} {raw_redis(port, args.tasks, payload):9,.0f}/s   (one round trip each)")
                measure(Bench(RedisHuey("bench", port=port, results=False)), "RedisHuey", args.tasks,
                        args.latency_tasks, args.interval)
        if not args.no_frontline:
            frontline(tmp, min(args.tasks, 2000), min(args.latency_tasks, 300), args.interval)
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    main()
