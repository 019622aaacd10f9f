"""Scheduled jobs (issue 9 part 6): declared by apps through the registry, run by the worker on a
crontab, listed on /jobs/ for administrators with their last and next run, run now from the page
or ``frontline jobs``; a failing one shows its error and alerts the administrators."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from frontline.core.models import Alert, JobRun
from frontline.core.queue import ScheduledJob, huey, register_periodic_tasks, scheduled_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


def test_apps_declare_scheduled_jobs_through_the_registry():
    jobs = scheduled_jobs()
    assert {"core.sweep_jobs", "residents.sweep_import_uploads"} <= set(jobs)
    for job in jobs.values():
        assert job.frontline_task().name == job.name  # the reference imports and names the task


def test_the_worker_gets_one_periodic_task_per_scheduled_job():
    import frontline.core.tasks  # noqa: F401 - what the worker autoloads

    register_periodic_tasks()  # idempotent
    periodic = {task.__name__ for task in huey()._registry._periodic_tasks}
    assert {f"periodic:{name}" for name in scheduled_jobs()} <= periodic


def test_next_run_follows_the_crontab_in_local_time():
    job = ScheduledJob("x", "frontline.core.tasks:sweep_jobs", "x", minute="17", hour="3")
    after = timezone.make_aware(datetime.datetime(2026, 12, 8, 3, 20))
    nxt = job.next_run(after)
    assert (nxt.day, nxt.hour, nxt.minute) == (9, 3, 17) and job.schedule == "17 3 * * *"


def test_the_jobs_page_is_for_administrators(world, login, client):
    url = reverse("core:jobs")
    assert client.get(url).status_code == 302  # to the login
    assert login(world.worker_a).get(url).status_code == 403
    assert login(world.street_officer).post(reverse("core:job_run", kwargs={"name": "core.sweep_jobs"})).status_code == 403
    assert not JobRun.objects.exists()


def test_the_jobs_page_lists_schedule_last_and_next_run_and_runs_one_now(world, login, english):
    client = login(world.admin)
    page = client.get(reverse("core:jobs")).content.decode()
    assert 'data-job="core.sweep_jobs"' in page and "*/10 * * * *" in page and "not run yet" in page
    assert reverse("core:jobs") in client.get("/").content.decode()  # in the navigation
    response = client.post(reverse("core:job_run", kwargs={"name": "residents.sweep_import_uploads"}))
    assert response.status_code == 302
    run = JobRun.objects.get(name="residents.sweep_import_uploads")
    assert run.state == "done" and run.actor == world.admin and "removed" in run.result
    page = client.get(reverse("core:jobs")).content.decode()
    row = re.search(r'data-job="residents.sweep_import_uploads".*?</tr>', page, re.S).group(0)
    assert "done" in row and "removed: " in row
    assert client.post(reverse("core:job_run", kwargs={"name": "nope"})).status_code == 404


def test_a_job_that_never_ran_reads_so_in_chinese(world, login):
    # Not the device tokens' "never used" (从未使用), which the word "never" alone translated to.
    page = login(world.admin).get(reverse("core:jobs")).content.decode()
    assert "尚未运行" in page and "从未使用" not in page


def test_a_failed_job_shows_its_error_on_the_page(world, login, english):
    JobRun.objects.create(name="core.sweep_jobs", key="k1", actor_name="system:job:core.sweep_jobs", state="failed",
                          attempts=2, max_attempts=2, error="OperationalError: database is locked",
                          finished_at=timezone.now())
    page = login(world.admin).get(reverse("core:jobs")).content.decode()
    row = re.search(r'data-job="core.sweep_jobs".*?</tr>', page, re.S).group(0)
    assert "failed" in row and "database is locked" in row


def test_the_sweep_closes_runs_whose_worker_died_and_tells_the_importer(world, settings):
    from frontline.residents.tasks import sweep_import_uploads  # noqa: F401 - registers the import task

    settings.JOB_STALE_SECONDS = 60
    dead = JobRun.objects.create(
        name="residents.import", key="residents.import:abc", actor=world.worker_a, actor_name="worker_a",
        state="running", worker="elsewhere:1", heartbeat_at=timezone.now() - datetime.timedelta(minutes=5),
        params={"token": "abc", "filename": "l.xlsx", "area_id": world.compound_a.pk, "upload": "", "dry_run": False},
        language="en",
    )
    alive = JobRun.objects.create(name="core.sweep_jobs", key="alive", actor_name="system:x", state="running",
                                  worker="elsewhere:2", heartbeat_at=timezone.now())
    old = JobRun.objects.create(name="core.sweep_jobs", key="old", actor_name="system:x", state="done",
                                finished_at=timezone.now() - datetime.timedelta(days=40))
    out = io.StringIO()
    call_command("jobs", "run", "core.sweep_jobs", stdout=out)
    assert not JobRun.objects.filter(pk=old.pk).exists() and "'deleted': 1" in out.getvalue()
    assert "done" in out.getvalue() and "'closed': 1" in out.getvalue()
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.state == "failed" and "worker stopped" in dead.error and alive.state == "running"
    alert = Alert.objects.get(kind="residents.import_done")
    assert alert.assignee == world.worker_a and "did not finish" in alert.text()


def test_the_jobs_command_lists_and_runs(world):
    out = io.StringIO()
    call_command("jobs", "list", stdout=out)
    text = out.getvalue()
    assert "core.sweep_jobs" in text and "residents.sweep_import_uploads" in text and "never" in text
    out = io.StringIO()
    call_command("jobs", "run", "residents.sweep_import_uploads", "--here", stdout=out)
    run = JobRun.objects.get(name="residents.sweep_import_uploads")
    assert run.state == "done" and run.actor_name == "system:cli:jobs:residents.sweep_import_uploads"
    with pytest.raises(CommandError):
        call_command("jobs", "run", "no.such.job")
