"""Hole 13: the login lockout is one count for every worker. Two real processes (``manage.py
shell -c``) record failures against the same SQLite file, through the default throttle store
(the database cache, no Redis): each sees the other's failures, and failures recorded at the same
moment in both are all counted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import time
from frontline.accounts import throttle
while time.time() < {go}:
    time.sleep(0.005)
for _ in range({fail}):
    throttle.record_failure("{user}", "10.0.0.{addr}")
print("locked" if throttle.is_locked("{user}", "10.0.0.{addr}") else "open", throttle.failures("{user}"))
"""


@pytest.fixture
def shared(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'shared.sqlite3'}", FRONTLINE_VAR_DIR=str(tmp_path),
               LOGIN_MAX_FAILURES="5", DJANGO_SETTINGS_MODULE="frontline.settings")
    made = subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    return env


def start(env, user, fail, addr, go=0.0):
    """A process that waits until ``go`` (a time.time()), then records ``fail`` failures."""
    code = SCRIPT.format(user=user, fail=fail, addr=addr, go=repr(go))
    args = [sys.executable, "manage.py", "shell", "-c", code]
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def result(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    state, count = out.split()[-2:]
    return state, int(count)


def test_two_workers_share_one_lock(shared):
    # Worker 1 sees four failures (open); worker 2 adds the fifth and is locked; worker 1, asked
    # again, is locked too: one count, whichever worker answers.
    assert result(start(shared, "worker_a", 4, 1)) == ("open", 4)
    assert result(start(shared, "worker_a", 0, 2)) == ("open", 4)
    assert result(start(shared, "worker_a", 1, 2)) == ("locked", 5)
    assert result(start(shared, "worker_a", 0, 1)) == ("locked", 5)
    assert result(start(shared, "someone_else", 0, 1)) == ("open", 0)


def test_failures_at_the_same_moment_in_two_workers_all_count(shared):
    import time

    go = time.time() + 6  # both processes are up by then and start recording together
    first, second = start(shared, "gate_user", 2, 3, go), start(shared, "gate_user", 2, 4, go)
    results = [result(first), result(second)]
    assert max(count for _state, count in results) == 4
    assert result(start(shared, "gate_user", 1, 5)) == ("locked", 5)


def test_the_store_is_the_database_without_redis_and_keeps_locks(settings):
    from django.core.cache import caches


    assert caches["throttle"].__class__.__name__ == "DatabaseCache"
    assert settings.CACHES["throttle"]["OPTIONS"]["MAX_ENTRIES"] >= 100_000


@pytest.mark.django_db
def test_many_other_names_do_not_free_a_lock():
    from frontline.accounts import throttle

    for _ in range(5):
        throttle.record_failure("target", "10.1.0.1")
    for n in range(400):  # more than DatabaseCache's default 300 entries
        throttle.record_failure(f"made-up-{n}", f"10.2.{n // 200}.{n % 200}")
    assert throttle.is_locked("target", "10.9.9.9")
