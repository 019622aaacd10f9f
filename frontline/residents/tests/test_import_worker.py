"""The worker killed mid-import (issue 9 part 3, "nothing partial"): a real ``run_huey`` process
runs a slowed real import, is killed with SIGKILL while its write transaction is open, and then
nothing of the import is in the database and the job's page says it did not finish."""

import sqlite3
import time

import pytest

from tests.workers import _migrated_site, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

SETUP = """
from django.core.files.uploadedfile import SimpleUploadedFile
from frontline.residents import import_jobs
from frontline.residents.tests.ledger_files import pid, row, write_xlsx
from tests.factories import World
from pathlib import Path
world = World()
path = write_xlsx(Path({tmp!r}) / "big.xlsx", [row(f"甲{{i}}", pid(3000 + i), room=str(100 + i)) for i in range(1200)])
stored = import_jobs.store_upload(SimpleUploadedFile("big.xlsx", path.read_bytes()))
token = import_jobs.start(user=world.worker_a, upload=stored, filename="big.xlsx", area=world.compound_a,
                          options={{"dry_run": False, "strict": False, "create_missing": True}})
print(token)
"""

PAGE = """
from django.test import Client
from frontline.accounts.models import User
client = Client()
client.force_login(User.objects.get(username="worker_a"))
page = client.get("/residents/import/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
print("did not finish" in page and "nothing was saved" in page, "import-progress" in page)
"""


def _locked(db_path) -> bool:
    """True while another connection holds the database's write lock (the import's transaction)."""
    db = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()


def test_killing_the_worker_mid_import_leaves_nothing_half_written(site, tmp_path):  # noqa: F811
    token = site.shell(SETUP.format(tmp=str(tmp_path))).splitlines()[-1]
    residents_before = site.query("SELECT count(*) FROM residents_resident")[0][0]
    households_before = site.query("SELECT count(*) FROM residents_household")[0][0]
    site.env["FRONTLINE_IMPORT_TEST_WRITE_PAUSE"] = "20"
    site.start_worker()
    site.wait_for("SELECT state FROM core_jobrun WHERE key = ?", (f"residents.import:{token}",),
                  until=lambda rows: rows and rows[0][0] == "running", what="the import job")
    deadline = time.monotonic() + 90
    while not _locked(site.base / "db.sqlite3"):  # the write phase has begun
        assert time.monotonic() < deadline, "the import never started writing"
        assert site.worker.poll() is None, (site.base / "worker.log").read_text()[-3000:]
        time.sleep(0.1)
    time.sleep(0.5)
    site.kill_worker()

    assert site.query("SELECT count(*) FROM residents_resident")[0][0] == residents_before
    assert site.query("SELECT count(*) FROM residents_household")[0][0] == households_before
    assert site.query("SELECT count(*) FROM residents_resident WHERE name LIKE '甲%'") == [(0,)]
    assert site.query("SELECT state FROM core_jobrun WHERE key = ?", (f"residents.import:{token}",)) == [("running",)]
    said, polling = site.shell(PAGE.format(token=token)).splitlines()[-1].split()
    assert said == "True" and polling == "False"
