"""Real worker processes for the tests that must see one (issue 9: "one test runs a real worker").

The test database of pytest lives in memory, out of reach of another process: these tests give
the subprocesses a SQLite file of their own, migrated once per session and copied per test, a
queue file beside it, and run Django code there with ``manage.py shell -c``.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_KEY = "q4Xo8n3W3m8rV1bU0yY0Q0l6cGk3tZc5hS2pL7dA9eE="


def _env(base: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST", "FRONTLINE_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "frontline.settings",
        "DATABASE_URL": f"sqlite:///{base / 'db.sqlite3'}",
        "FRONTLINE_VAR_DIR": str(base / "var"),
        "FRONTLINE_QUEUE_FILE": str(base / "queue.sqlite3"),
        "FRONTLINE_QUEUE_IMMEDIATE": "0",
        "FRONTLINE_DATA_KEY": DATA_KEY,
        "FRONTLINE_SECRET_KEY": "worker-tests-secret-key-0123456789abcdefghij",
        "PYTHONPATH": str(ROOT),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
    })
    return env


class Site:
    """A database, a queue and a var/ directory shared by a worker and the scripts of one test."""

    def __init__(self, base: Path, extra_env=None):
        self.base = base
        self.env = {**_env(base), **(extra_env or {})}
        self.worker = None

    def manage(self, *args, timeout=180, check=True) -> str:
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def shell(self, code: str, timeout=120) -> str:
        return self.manage("shell", "-c", code, timeout=timeout).strip()

    def start_worker(self):
        log = (self.base / "worker.log").open("w")
        self.worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "run_huey", "--workers", "1"],
                                       cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        return self.worker

    def kill_worker(self):
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(10)

    def stop_worker(self):
        if self.worker is not None and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGINT)
            try:
                self.worker.wait(15)
            except subprocess.TimeoutExpired:
                self.kill_worker()

    def query(self, sql, params=()):
        with sqlite3.connect(self.base / "db.sqlite3", timeout=10) as db:
            return db.execute(sql, params).fetchall()

    def wait_for(self, sql, params=(), *, until, timeout=90, what="the worker"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.query(sql, params)
            if until(rows):
                return rows
            if self.worker is not None and self.worker.poll() is not None:
                break
            time.sleep(0.2)
        log = (self.base / "worker.log").read_text() if (self.base / "worker.log").exists() else ""
        raise AssertionError(f"{what} did not get there in {timeout}s; last rows {rows!r}\n{log[-3000:]}")


@pytest.fixture(scope="session")
def _migrated_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("worker-template")
    Site(base).manage("migrate", "--noinput", timeout=600)
    return base


@pytest.fixture
def site(_migrated_site, tmp_path):
    """A migrated site of its own for this test; its worker is stopped at the end."""
    base = tmp_path / "site"
    base.mkdir()
    shutil.copy(_migrated_site / "db.sqlite3", base / "db.sqlite3")
    made = Site(base)
    yield made
    made.kill_worker()
