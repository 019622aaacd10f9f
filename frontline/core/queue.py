"""Background and scheduled work on a real task queue (Huey), never a thread in a web worker.

The queue is configured in settings (``HUEY``): SQLite under var/ by default, so the demo needs no
service; Redis when ``REDIS_URL`` is set, so workers can run on their own machines. One worker
process runs the tasks and the periodic scheduler: ``frontline run_huey``. Under pytest every task
runs at once in the calling process (immediate mode).

A Frontline task is a function ``fn(*, actor, job, **params) -> dict | None`` decorated with
``frontline_task``. It is started with ``task.enqueue(actor=..., key=..., **params)``, which
records a ``core.JobRun`` and queues its id:

- **once per key**: enqueueing again with the same key returns the same run and queues nothing;
  a message delivered twice finds its run claimed or finished and does nothing;
- **who and which request**: the worker acts as the enqueuing actor (a user, or a system actor
  such as ``system:job:core.sweep_jobs``) with the enqueuing request's id, so the change log ties
  what the job wrote to the page or command that asked for it;
- **retries with backoff**: a task that raises is retried (``retries``, ``retry_delay`` seconds,
  multiplied by ``retry_backoff`` each time); after the last attempt the run is marked failed with
  its error and an alert ``core.job_failed`` is raised for the administrators;
- **progress** (``progress(phase, done, total)``) is written to the run through a connection of
  its own, so every web worker sees it while the job's own transaction is still open (on SQLite,
  while a write transaction holds the database, progress waits for it).

Params, results and errors hold no personal data: at most masked values. Errors are scrubbed of
anything that looks like an ID number or a phone before they are stored.

Scheduled jobs are declared by apps on their AppConfig (``FrontlineApp.scheduled_jobs``, a list of
``ScheduledJob``): the worker runs each on its crontab; ``/jobs/`` and ``frontline jobs`` list them
and run one now.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, OperationalError, close_old_connections, connections, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from . import context
from .access import require_actor, system_actor

log = logging.getLogger(__name__)


def huey():
    """The configured Huey instance (settings.HUEY, built by huey.contrib.djhuey)."""
    from huey.contrib.djhuey import HUEY

    return HUEY


def immediate() -> bool:
    return huey().immediate


_TASKS: dict[str, FrontlineTask] = {}


class FrontlineTask:
    """A Huey task that records its runs in ``core.JobRun`` (see the module docstring)."""

    def __init__(self, fn, *, name, retries, retry_delay, retry_backoff, on_failure=None):
        self.fn = fn
        self.name = name
        self.retries = retries
        self.retry_delay = retry_delay
        self.retry_backoff = retry_backoff
        self.on_failure = on_failure
        self.__doc__ = fn.__doc__
        # Immediate mode cannot wait between attempts (a delayed retry would sit in a schedule
        # nobody reads): the attempts follow each other at once there.
        delay = 0 if immediate() else retry_delay
        self.huey_task = huey().task(retries=retries, retry_delay=delay, retry_backoff=retry_backoff if delay else 0,
                                     context=True, name=name)(self._execute)

    def __repr__(self):
        return f"<FrontlineTask {self.name}>"

    def enqueue(self, *, actor, key: str | None = None, language: str | None = None, _send=True, **params):
        """Record a run and queue it; the run with ``key`` if there is one already (nothing queued)."""
        from .models import JobRun

        require_actor(actor)
        key = key or f"{self.name}:{uuid.uuid4().hex}"
        if len(key) > 200:
            raise ValueError("a job key is at most 200 characters")
        run = JobRun(
            name=self.name, key=key, actor=actor if getattr(actor, "pk", None) else None,
            actor_name=getattr(actor, "username", "") or "system", request_id=context.request_id(),
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            params=params, max_attempts=self.retries + 1,
        )
        try:
            with transaction.atomic():
                run.save()
        except IntegrityError:
            return JobRun.objects.get(key=key)
        if not _send:
            return run
        if immediate():
            self.huey_task(run.pk)
            run.refresh_from_db()
        else:
            # The worker must find the run: queue it once the row is committed.
            transaction.on_commit(lambda: self.huey_task(run.pk))
        return run

    def _execute(self, run_id, task=None):
        if not immediate():
            close_old_connections()
        try:
            return self._run(run_id, final=task is None or not task.retries)
        finally:
            if not immediate():
                close_old_connections()

    def _run(self, run_id, *, final):
        from .models import JobRun

        now = timezone.now()
        claimed = JobRun.objects.filter(pk=run_id, state=JobRun.State.QUEUED).update(
            state=JobRun.State.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now,
            worker=worker_id(), phase="", progress_done=0, progress_total=0,
        )
        if not claimed:  # finished, running elsewhere, or gone: a duplicate delivery does nothing
            return None
        run = JobRun.objects.get(pk=run_id)
        try:
            acting = actor_of(run)
        except PermissionError as exc:  # the person who queued it was deactivated since: not run
            error = describe_error(exc)
            _finish(run, JobRun.State.FAILED, error=error)
            self._failed(run, system_actor("queue"), error)
            return None
        tokens = context.set_job(run, acting)
        request_token = context.set_request_id(run.request_id or f"job-{run.pk}")
        try:
            with translation.override(run.language or settings.LANGUAGE_CODE):
                result = self.fn(actor=acting, job=run, **run.params)
        except Exception as exc:
            error = describe_error(exc)
            if final:
                _finish(run, JobRun.State.FAILED, error=error)
                self._failed(run, acting, error)
            else:
                JobRun.objects.filter(pk=run.pk).update(state=JobRun.State.QUEUED, error=error, heartbeat_at=timezone.now())
            raise JobError(f"{run.name} run {run.pk}: {error}") from None
        else:
            _finish(run, JobRun.State.DONE, result=result if isinstance(result, dict) else {})
            return None
        finally:
            context.reset_request_id(request_token)
            context.reset_job(tokens)
            _close_side_connection()

    def _failed(self, run, acting, error):
        from .alerts import raise_alert

        try:
            raise_alert(
                "core.job_failed", key=f"core.job_failed:{run.name}", area_path="",
                message=gettext_noop("The job %(job)s failed after %(attempts)s attempts: %(error)s"),
                params={"job": run.name, "attempts": run.attempts, "error": error[:200]},
                severity="urgent", actor=system_actor("queue"),
            )
        except Exception:  # noqa: BLE001 - the run is marked failed whatever the inbox does
            log.exception("could not raise the alert for failed job %s", run.pk)
        if self.on_failure is not None:
            try:
                with translation.override(run.language or settings.LANGUAGE_CODE):
                    self.on_failure(run=run, actor=acting, error=error)
            except Exception:  # noqa: BLE001
                log.exception("failure hook of job %s raised", run.pk)

    def run_here(self, *, actor, **params):
        """Record a run and run it in this process, now (``frontline jobs run --here``): one attempt."""
        run = self.enqueue(actor=actor, key=f"{self.name}:here:{uuid.uuid4().hex}", _send=False, **params)
        try:
            self._execute(run.pk)
        except JobError:
            pass
        run.refresh_from_db()
        return run

    def run_now(self, *, actor, **params):
        """Queue a run now, whatever the schedule (the /jobs/ page's button, ``frontline jobs run``)."""
        return self.enqueue(actor=actor, key=f"{self.name}:now:{uuid.uuid4().hex}", **params)


def frontline_task(name: str, *, retries: int = 2, retry_delay: float = 10, retry_backoff: float = 2,
                   on_failure=None):
    """Make ``fn(*, actor, job, **params)`` a queued task recorded in JobRun (module docstring).
    ``on_failure(run=, actor=, error=)`` is called once after the last failed attempt."""

    def decorator(fn):
        if name in _TASKS:
            raise ValueError(f"two tasks are named {name!r}")
        task = FrontlineTask(fn, name=name, retries=retries, retry_delay=retry_delay, retry_backoff=retry_backoff,
                             on_failure=on_failure)
        _TASKS[name] = task
        return task

    return decorator


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def actor_of(run):
    """The actor a run acts for: its user, or the system actor it was queued by."""
    if run.actor_id:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=run.actor_id, is_active=True).first()
        if user is not None:
            return user
        raise PermissionError("the user who queued this job is no longer active")
    name = run.actor_name
    return system_actor(name.removeprefix("system:") if name.startswith("system:") else f"job:{run.name}")


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


class JobError(Exception):
    """What the worker re-raises for Huey (to retry, and to log): the error, masked, without the
    original exception, whose message or traceback may hold a personal value."""


def describe_error(exc: BaseException) -> str:
    """``Type: message``, with anything shaped like an ID number or a phone masked."""
    return mask_personal(f"{type(exc).__name__}: {exc}")[:1000]


def mask_personal(text: str) -> str:
    """``text`` with whatever looks like an ID number or a mobile phone masked (core.personal's masks)."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _PHONE.sub(r"\1****\2", text)


def _finish(run, state, *, result=None, error=None):
    from .models import JobRun

    fields = {"state": state, "finished_at": timezone.now(), "heartbeat_at": timezone.now()}
    if result is not None:
        fields["result"] = result
        fields["error"] = ""
    if error is not None:
        fields["error"] = error
    JobRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


# Progress goes through a connection of its own: the job's connection may be inside the job's
# transaction, where nobody else would see it until the end.
_side = threading.local()
PROGRESS_EVERY = 0.5  # seconds between two progress writes of one job


def _side_connection():
    conn = getattr(_side, "connection", None)
    if conn is None:
        conn = connections.create_connection("default")
        conn.ensure_connection()
        if conn.vendor == "sqlite":
            with conn.cursor() as cursor:  # never wait: skip this update, the next one comes soon
                cursor.execute("PRAGMA busy_timeout=0")
        _side.connection = conn
    return conn


def _close_side_connection():
    conn = getattr(_side, "connection", None)
    if conn is not None:
        _side.connection = None
        conn.close()


def progress(phase: str, done: int, total: int, *, force=False) -> bool:
    """Record how far the current job got (a no-op outside a job); True when written."""
    from .models import JobRun

    run = context.job()
    if run is None:
        return False
    now = time.monotonic()
    last = getattr(run, "_progress_at", 0.0)
    if not force and now - last < PROGRESS_EVERY and done < total:
        return False
    run._progress_at = now
    run.phase, run.progress_done, run.progress_total = phase[:30], done, total
    stamp = timezone.now()
    if immediate():  # one process, one connection (tests): the row is right here
        JobRun.objects.filter(pk=run.pk).update(phase=phase[:30], progress_done=done, progress_total=total,
                                                heartbeat_at=stamp)
        return True
    if connections["default"].vendor == "sqlite" and connections["default"].in_atomic_block:
        # SQLite has one writer: the job's own transaction holds the file until it commits.
        return False
    try:
        conn = _side_connection()
        with conn.cursor() as cursor:
            cursor.execute(
                f"UPDATE {JobRun._meta.db_table} SET phase = %s, progress_done = %s, progress_total = %s, "
                "heartbeat_at = %s WHERE id = %s",
                [phase[:30], done, total, conn.ops.adapt_datetimefield_value(stamp), run.pk],
            )
        return True
    except OperationalError:  # SQLite: the job's own write transaction holds the file; later
        return False


# Scheduled jobs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledJob:
    """A job an app runs on a crontab (declared in ``FrontlineApp.scheduled_jobs``).
    ``task`` is a ``"module.path:attribute"`` reference to a ``frontline_task``."""

    name: str
    task: str
    label: str
    minute: str = "*"
    hour: str = "*"
    day: str = "*"
    month: str = "*"
    day_of_week: str = "*"

    def crontab(self):
        from huey import crontab

        return crontab(minute=self.minute, hour=self.hour, day=self.day, month=self.month,
                       day_of_week=self.day_of_week, strict=True)

    @property
    def schedule(self) -> str:
        return " ".join((self.minute, self.hour, self.day, self.month, self.day_of_week))

    def frontline_task(self) -> FrontlineTask:
        from .registry import resolve

        return resolve(self.task)

    def next_run(self, after=None) -> datetime.datetime | None:
        """The next minute (local time) the crontab fires after ``after``, within 32 days."""
        test = self.crontab()
        start = timezone.localtime(after or timezone.now()).replace(second=0, microsecond=0)
        moment = start + datetime.timedelta(minutes=1)
        for _ in range(32 * 24 * 60):
            if test(moment.replace(tzinfo=None)):
                return moment
            moment += datetime.timedelta(minutes=1)
        return None

    def last_run(self):
        from .models import JobRun

        return JobRun.objects.filter(name=self.name).order_by("-created_at", "-id").first()

    def run_now(self, *, actor):
        return self.frontline_task().run_now(actor=actor)


def scheduled_jobs() -> dict[str, ScheduledJob]:
    from .registry import frontline_apps

    return {job.name: job for config in frontline_apps() for job in config.scheduled_jobs}


_periodic_registered: set[str] = set()


def register_periodic_tasks() -> list[str]:
    """Give the worker one Huey periodic task per scheduled job (called when core.tasks is
    imported: the worker autoloads every app's tasks.py). Each firing queues the job's task
    with a key for that minute, so two schedulers firing at once still run it once."""
    names = []
    for job in scheduled_jobs().values():
        if job.name in _periodic_registered:
            continue
        _periodic_registered.add(job.name)

        def fire(job=job):
            stamp = timezone.localtime().strftime("%Y%m%d%H%M")
            job.frontline_task().enqueue(actor=system_actor(f"job:{job.name}"), key=f"{job.name}:at:{stamp}")

        huey().periodic_task(job.crontab(), name=f"periodic:{job.name}")(fire)
        names.append(job.name)
    return names


__all__ = ["FrontlineTask", "ScheduledJob", "actor_of", "describe_error", "frontline_task", "huey", "immediate", "mask_personal",
           "progress", "register_periodic_tasks", "scheduled_jobs", "worker_id"]
