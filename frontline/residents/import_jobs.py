"""Running an import from the page, on the task queue (core/queue.py).

The page stores the upload and queues a job (the dry run and the real run are both jobs); the
worker runs ``import_ledger`` and writes its progress and result into the run's ``core.JobRun``,
which every web worker reads, so the page's progress bar may poll any of them. When the job ends
the person who started it finds the result in their inbox (``residents.import_done``), in their
language. A job is seen only by whoever started it (others get 404).

The uploaded ledger holds full ID numbers and phones (issue 8, hole 10). It is kept encrypted
with the data key (``core.personal.encrypt_bytes``), mode 0600 in a 0700 directory, between a
dry run and the real run, and deleted after the real run (and after a dry run that leaves
nothing to import); a scheduled job sweeps uploads older than a day. While a job reads it, the
plaintext exists only in an unnamed temporary file of the worker's (gone when it exits, killed
or not). Problems name the row and column and show the cell masked.

If the worker dies mid-import, the import's transaction rolls back: nothing half-written
remains, and the page says the import did not finish (``JobRun.interrupted``).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from frontline.areas.models import Area
from frontline.core import personal, queue
from frontline.core.models import JobRun

from .ledger import import_ledger

JOB = "residents.import"
UPLOAD_SECONDS = 24 * 3600
MAX_SHOWN_PROBLEMS = 2000


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def store_upload(uploaded) -> str:
    """Keep an uploaded file encrypted, readable by the service user only; its name."""
    data = b"".join(uploaded.chunks())
    name = f"{uuid.uuid4().hex}.upload"
    fd = os.open(upload_dir() / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(personal.encrypt_bytes(data))
    return name


def _upload_path(name: str) -> Path:
    if not name or "/" in name or not name.endswith(".upload"):
        raise ValueError("not an upload name")
    return upload_dir() / name


def delete_upload(name: str) -> None:
    if name:
        _upload_path(name).unlink(missing_ok=True)


def upload_exists(name: str) -> bool:
    return bool(name) and _upload_path(name).exists()


@contextmanager
def opened_upload(name: str):
    """The upload's plaintext as a path that only this process can open: an unnamed temporary
    file (``/proc/self/fd/N``), gone when it is closed or the process dies."""
    blob = _upload_path(name).read_bytes()
    with tempfile.TemporaryFile(dir=upload_dir()) as plain:
        plain.write(personal.decrypt_bytes(blob))
        plain.flush()
        yield Path(f"/proc/self/fd/{plain.fileno()}")


def sweep_old_uploads(max_age=UPLOAD_SECONDS) -> int:
    cutoff = time.time() - max_age
    removed = 0
    for path in upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed


def _key(token: str) -> str:
    return f"{JOB}:{token}"


def run_of(token: str, user) -> JobRun | None:
    """The import run behind ``token`` if ``user`` started it; None otherwise (the page answers 404)."""
    if not token or not getattr(user, "pk", None):
        return None
    return JobRun.objects.filter(key=_key(token), name=JOB, actor_id=user.pk).first()


def get(token: str, user) -> dict | None:
    """What the pages show of an import run (the shape the templates read)."""
    run = run_of(token, user)
    return None if run is None else state_of(run)


def state_of(run: JobRun) -> dict:
    params = run.params
    state = run.state
    error = run.error
    if run.interrupted():
        state, error = "failed", ""
    if state == "failed":
        error = _("The import did not finish (the worker stopped or it failed); nothing was saved. Try again, or ask an administrator.")
    result = run.result.get("result") if run.result else None
    return {
        "id": params.get("token"), "state": state, "phase": run.phase, "done": run.progress_done,
        "total": run.progress_total, "filename": params.get("filename", ""), "area": params.get("area", ""),
        "area_id": params.get("area_id"), "options": {"dry_run": params.get("dry_run"), "strict": params.get("strict"),
                                                     "create_missing": params.get("create_missing")},
        "upload": params.get("upload", "") if upload_exists(params.get("upload", "")) else "",
        "real_run": params.get("confirmed_by", ""),
        "result": result, "summary": run.result.get("summary", "") if run.result else "",
        "dry_run": params.get("dry_run"), "error": error, "run": run,
    }


def start(*, user, upload: str, filename: str, area, options: dict, token: str | None = None) -> str:
    """Queue an import of a stored upload; the token of its page."""
    token = token or uuid.uuid4().hex
    import_ledger_job.enqueue(
        actor=user, key=_key(token), token=token, upload=upload, filename=filename[:200], area_id=area.pk,
        area=area.full_name(), dry_run=bool(options["dry_run"]), strict=bool(options["strict"]),
        create_missing=bool(options["create_missing"]), area_aliases=dict(options.get("area_aliases") or {}),
    )
    return token


def confirm(token: str, *, user, accepted=(), dry_run=False) -> str | None:
    """Start the real run of a finished dry run, from the same file and options; the new token.
    The file passes to the real run (the dry run lets go of it, under a lock): confirming twice
    starts one run.

    ``accepted``: the names of the dry run's area suggestions the person confirmed (for the whole
    file); only names the dry run suggested count, mapped to the area it suggested. ``dry_run``:
    check the file again with those names instead (the new dry run can be confirmed in turn)."""
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(key=_key(token), name=JOB, actor_id=user.pk).first()
        if run is None or run.state != JobRun.State.DONE or not run.params.get("dry_run"):
            return None
        upload = run.params.get("upload", "")
        result = (run.result or {}).get("result") or {}
        if result.get("rejected") or not upload_exists(upload):
            return None
        area = Area.objects.filter(pk=run.params["area_id"]).first()
        if area is None:
            return None
        new_token = uuid.uuid4().hex
        # Reopened, the dry run says it was imported, and links to the run that did it.
        run.params = {**run.params, "upload": "", ("rechecked_by" if dry_run else "confirmed_by"): new_token}
        run.save(update_fields=["params"])
        suggested = {s["name"]: s["area_id"] for s in result.get("suggestions") or []}
        aliases = {**(run.params.get("area_aliases") or {}), **{n: suggested[n] for n in accepted if n in suggested}}
        options = {"dry_run": dry_run, "strict": run.params["strict"], "create_missing": run.params["create_missing"],
                   "area_aliases": aliases}
        return start(user=user, upload=upload, filename=run.params["filename"], area=area, options=options,
                     token=new_token)


def _notify(run, actor, *, message, params, severity="info"):
    from frontline.core.alerts import raise_alert

    area = Area.objects.filter(pk=run.params.get("area_id")).first()
    raise_alert(
        "residents.import_done", key=f"residents.import_done:{run.pk}",
        area_path=area.path if area is not None else "", message=message,
        params={"file": run.params.get("filename", ""), "job": run.params.get("token", ""), **params},
        severity=severity, target=area, assignee=actor if getattr(actor, "pk", None) else None, actor=actor,
    )


def alert_link(alert) -> str:
    """Where the inbox opens an import_done alert: the job's page."""
    token = (alert.params or {}).get("job")
    return reverse("residents:import_result", kwargs={"job": token}) if token else ""


def _failed(*, run, actor, error):
    """The last attempt failed, or the worker died: the person who started it is told."""
    if run.params.get("upload") and not run.params.get("dry_run"):
        delete_upload(run.params["upload"])
    _notify(run, actor, severity="warning", params={},
            message=gettext_noop("The import of %(file)s did not finish; nothing was saved. Try again."))


@queue.frontline_task(JOB, retries=0, on_failure=_failed)
def import_ledger_job(*, actor, job, token, upload, filename, area_id, area, dry_run, strict, create_missing,
                      confirms=None, area_aliases=None):
    """Check (dry run) or import a stored ledger; the result (masked problems) and a summary."""
    from .ledger import describe

    pause = getattr(settings, "IMPORT_TEST_WRITE_PAUSE", 0)

    def progress(phase, done, total):
        if phase == "read" and total and done >= total and not dry_run:
            # Every row is checked: saving comes next, in one transaction (on SQLite nobody else
            # may write while it lasts, progress included), so say so now.
            queue.progress("write", 0, total, force=True)
            return
        queue.progress(phase, done, total)
        if pause and phase == "write":
            time.sleep(pause)  # tests: a slowed import, to kill the worker in the middle of it

    target = Area.objects.get(pk=area_id)
    keep = False
    try:
        with opened_upload(upload) as path:
            result = import_ledger(path, area=target, actor=actor, dry_run=dry_run, strict=strict,
                                   create_missing=create_missing, filename=filename, progress=progress,
                                   area_aliases=area_aliases or None)
        keep = dry_run and not result.rejected and bool(result.created or result.updated or result.suggestions)
    finally:
        if not keep:
            delete_upload(upload)
    data = result.as_dict(max_problems=MAX_SHOWN_PROBLEMS)
    for problem in data.get("problems", ()):  # belt and braces: no personal value in a message
        problem["message"] = queue.mask_personal(problem["message"])
    summary = describe(result)
    counts = {"created": result.created, "updated": result.updated, "skipped": result.skipped, "rows": result.rows}
    if result.rejected:
        message = gettext_noop("%(file)s could not be imported: the file was refused.")
    elif dry_run:
        message = gettext_noop("Dry run of %(file)s: %(created)s to create, %(updated)s to update, %(skipped)s rows with errors.")
    else:
        message = gettext_noop("Import of %(file)s: %(created)s created, %(updated)s updated, %(skipped)s rows skipped.")
    run = JobRun.objects.get(pk=job.pk)
    _notify(run, actor, message=message, params=counts, severity="warning" if result.rejected else "info")
    return {"result": data, "summary": summary}


@queue.frontline_task("residents.sweep_import_uploads", retries=1, retry_delay=60)
def sweep_import_uploads(*, actor, job):
    """Delete uploaded ledgers older than a day (a dry run nobody confirmed)."""
    return {"removed": sweep_old_uploads()}
