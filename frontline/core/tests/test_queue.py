"""The task queue (issue 9, part 1): once per key, retries then a failed run with an alert for
the administrators, the actor and request id carried into the change log; and a real worker."""

import json

import pytest

from frontline.core import audit, context
from frontline.core.access import system_actor
from frontline.core.models import Alert, AuditEntry, JobRun
from frontline.core.queue import describe_error, frontline_task, huey
from tests.workers import _migrated_site, site  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

CALLS = []


@frontline_task("tests.count", retries=0)
def count(*, actor, job, value):
    CALLS.append(("count", value))
    return {"value": value}


@frontline_task("tests.flaky", retries=2, retry_delay=30, retry_backoff=2)
def flaky(*, actor, job, fail_times):
    CALLS.append(("flaky", job.attempts))
    if job.attempts <= fail_times:
        raise RuntimeError(f"attempt {job.attempts} broke on 610103198501010011 and 13912345678")
    return {"attempts": job.attempts}


@frontline_task("tests.write", retries=0)
def write(*, actor, job, label):
    """Writes one audited record: the change log must name the enqueuing actor and request."""
    from frontline.core.alerts import raise_alert

    alert = raise_alert("core.job_failed", key=f"tests.write:{label}", area_path="", message="x", actor=actor)
    return {"alert": alert.pk}


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()
    yield
    CALLS.clear()


def test_tests_run_in_immediate_mode():
    assert huey().immediate


def test_a_job_queued_twice_with_the_same_key_runs_once(world):
    first = count.enqueue(actor=world.worker_a, key="tests.count:one", value=1)
    second = count.enqueue(actor=world.worker_a, key="tests.count:one", value=2)
    assert first.pk == second.pk and CALLS == [("count", 1)]
    run = JobRun.objects.get(pk=first.pk)
    assert run.state == "done" and run.result == {"value": 1} and run.attempts == 1
    assert run.actor == world.worker_a and run.actor_name == "worker_a"
    # The same message delivered again (a worker restart, a broker retry) does nothing.
    count.huey_task(run.pk)
    assert CALLS == [("count", 1)] and JobRun.objects.get(pk=run.pk).attempts == 1


def test_without_a_key_every_enqueue_is_a_run_of_its_own(world):
    count.enqueue(actor=world.worker_a, value=1)
    count.enqueue(actor=world.worker_a, value=1)
    assert JobRun.objects.filter(name="tests.count").count() == 2 and len(CALLS) == 2


def test_a_failing_task_is_retried_then_succeeds(world):
    run = flaky.enqueue(actor=system_actor("test"), fail_times=1)
    assert CALLS == [("flaky", 1), ("flaky", 2)]
    assert run.state == "done" and run.attempts == 2 and run.result == {"attempts": 2} and run.error == ""
    assert not Alert.objects.filter(kind="core.job_failed").exists()


def test_after_the_last_retry_the_run_fails_with_its_error_and_alerts_the_administrators(world):
    # Backoff is configured on the Huey task (waits only outside immediate mode).
    assert flaky.retries == 2 and flaky.retry_delay == 30 and flaky.retry_backoff == 2
    run = flaky.enqueue(actor=system_actor("test"), fail_times=99)
    assert [attempt for _name, attempt in CALLS] == [1, 2, 3]
    assert run.state == "failed" and run.attempts == 3 and run.finished_at is not None
    assert "RuntimeError: attempt 3 broke" in run.error
    # The error is kept masked: no ID number, no phone.
    assert "610103198501010011" not in run.error and "13912345678" not in run.error
    assert "610103********0011" in run.error and "139****5678" in run.error
    alert = Alert.objects.get(kind="core.job_failed", resolved_at__isnull=True)
    assert alert.area_path == "" and alert.severity == "urgent" and alert.params["job"] == "tests.flaky"
    assert "attempt 3 broke" in alert.text()
    assert list(Alert.objects.restrict(world.admin).filter(pk=alert.pk)) == [alert]
    assert not Alert.objects.restrict(world.street_officer).filter(pk=alert.pk).exists()
    # A second failure of the same job does not raise a second open alert.
    flaky.enqueue(actor=system_actor("test"), fail_times=99)
    assert Alert.objects.filter(kind="core.job_failed", resolved_at__isnull=True).count() == 1


def test_the_change_log_names_the_actor_and_request_that_queued_the_job(world):
    token = context.set_request_id("req-queue-test-1")
    try:
        run = write.enqueue(actor=world.worker_a, label="a")
    finally:
        context.reset_request_id(token)
    assert run.state == "done" and run.request_id == "req-queue-test-1"
    entry = AuditEntry.objects.get(model="core.alert", object_id=str(run.result["alert"]))
    assert entry.actor == world.worker_a and entry.actor_name == "worker_a"
    assert entry.request_id == "req-queue-test-1"
    # A system actor is recorded by its name.
    run = write.enqueue(actor=system_actor("job:tests.write"), label="b")
    entry = audit.history(Alert.objects.get(pk=run.result["alert"])).get()
    assert entry.actor is None and entry.actor_name == "system:job:tests.write"


def test_a_job_of_a_user_deactivated_since_is_not_run(world):
    run = count.enqueue(actor=world.worker_a, value=1, _send=False)
    world.worker_a.is_active = False
    world.worker_a.save(update_fields=["is_active"])
    count.huey_task(run.pk)
    run.refresh_from_db()
    assert run.state == "failed" and "no longer active" in run.error and CALLS == []


def test_describe_error_masks_personal_values():
    text = describe_error(ValueError("row 3: 61010319850101001X, phone 13912345678"))
    assert text == "ValueError: row 3: 610103********001X, phone 139****5678"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_queued_job(site):  # noqa: F811
    run_id = site.shell(
        "from frontline.core.tasks import sweep_jobs\n"
        "from frontline.core.access import system_actor\n"
        "print(sweep_jobs.enqueue(actor=system_actor('test'), key='worker-test').pk)"
    ).splitlines()[-1]
    assert site.query("SELECT state FROM core_jobrun WHERE id = ?", (run_id,)) == [("queued",)]
    site.start_worker()
    rows = site.wait_for("SELECT state, attempts, worker, result FROM core_jobrun WHERE id = ?", (run_id,),
                         until=lambda rows: rows and rows[0][0] in ("done", "failed"), timeout=90)
    state, attempts, worker, result = rows[0]
    assert state == "done" and attempts == 1 and json.loads(result)["closed"] == 0
    assert worker.endswith(f":{site.worker.pid}")
    site.stop_worker()
