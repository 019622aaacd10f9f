"""Core's tasks (the worker autoloads every app's ``tasks.py``): notifications out of the system,
and the sweep that closes runs whose worker died. Importing this module also gives the worker
one periodic task per scheduled job that the apps declare."""

import datetime
import logging

from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from .queue import frontline_task, register_periodic_tasks

log = logging.getLogger(__name__)
KEEP_DAYS = 30


@frontline_task("core.notify_alert", retries=3, retry_delay=30)
def notify_alert(*, actor, job, alert_id):
    """Send one alert to the people who should have it (core.notify: once per person and channel)."""
    from .notify import send_notifications

    return {"sent": send_notifications(alert_id)}


def enqueue_notification(alert_id: int):
    from .access import system_actor

    return notify_alert.enqueue(actor=system_actor("notify"), key=f"core.notify_alert:{alert_id}", alert_id=alert_id)


@frontline_task("core.sweep_jobs", retries=1, retry_delay=60)
def sweep_jobs(*, actor, job):
    """Mark as failed the runs whose worker stopped mid-run (killed, machine lost): their
    transaction rolled back; the person who started one sees that it did not finish. Forget
    finished runs older than KEEP_DAYS."""
    from .models import JobRun
    from .queue import _TASKS, actor_of

    now = timezone.now()
    closed = 0
    for run in JobRun.objects.filter(state=JobRun.State.RUNNING).exclude(pk=job.pk):
        if not run.interrupted(now):
            continue
        error = gettext_noop("The worker stopped before the job finished; nothing it was writing was saved.")
        if not JobRun.objects.filter(pk=run.pk, state=JobRun.State.RUNNING).update(
                state=JobRun.State.FAILED, finished_at=now, error=error):
            continue
        closed += 1
        task = _TASKS.get(run.name)
        if task is not None and task.on_failure is not None:
            run.refresh_from_db()
            try:
                with translation.override(run.language or None):
                    task.on_failure(run=run, actor=actor_of(run), error=error)
            except Exception:  # noqa: BLE001 - the run is closed whatever its hook does
                log.exception("failure hook of job %s raised", run.pk)
    # The record of finished runs is kept for a while (the /jobs/ page, an import's result page).
    cutoff = now - datetime.timedelta(days=KEEP_DAYS)
    deleted, _by_model = JobRun.objects.filter(finished_at__lt=cutoff).delete()
    return {"closed": closed, "deleted": deleted}


register_periodic_tasks()
