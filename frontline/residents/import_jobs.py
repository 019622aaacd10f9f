"""Running an import from the page: a job id, progress in the cache, a background thread.

Why not a task queue: an import is rare, interactive and short (100,000 rows in well under a
minute), so the page runs it in a thread of the web process and polls its progress with htmx.
Progress and the result live in the ``imports`` cache (a file cache under var/ unless REDIS_URL
is set, so every gunicorn worker sees every job; see settings.py), keyed by a random job id and
readable only by the user who started the job. Small files (``IMPORT_INLINE_MAX_BYTES``) run
inline in the request: nothing to poll. The uploaded file is kept under var/imports/ between a
dry run and the real run, so "import these rows now" needs no second upload; files older than a
day are swept at the next upload.

If the web process dies mid-import, the transaction rolls back and the job's page says it did
not finish; nothing half-written remains.
"""

import logging
import threading
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import close_old_connections, connections
from django.utils import translation
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import context

from .ledger import import_ledger

log = logging.getLogger(__name__)
JOB_SECONDS = 24 * 3600
MAX_SHOWN_PROBLEMS = 2000
_threads: dict[str, threading.Thread] = {}


def _cache():
    return caches["imports"] if "imports" in settings.CACHES else caches["default"]


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep_old_uploads(max_age=JOB_SECONDS):
    cutoff = time.time() - max_age
    for path in upload_dir().glob("*.upload"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _key(job_id):
    return f"frontline:import:{job_id}"


def get(job_id, user):
    """The job's state, if ``user`` started it; None otherwise (the page answers 404)."""
    job = _cache().get(_key(job_id))
    if not job or job.get("user_id") != user.pk:
        return None
    return job


def _save(job_id, job):
    _cache().set(_key(job_id), job, JOB_SECONDS)


def new_job(*, user, upload_path, filename, area, options) -> str:
    job_id = uuid.uuid4().hex
    _save(job_id, {
        "id": job_id, "user_id": user.pk, "state": "queued", "phase": "", "done": 0, "total": 0,
        "filename": filename, "area_id": area.pk, "area": area.full_name(), "options": options,
        "upload": str(upload_path), "result": None, "started": time.time(),
        # The page's language: a background thread has no request, and would otherwise write
        # every problem in the server's default language.
        "language": translation.get_language() or settings.LANGUAGE_CODE,
    })
    return job_id


def start(job_id, *, user, background: bool):
    """Run the job now (inline) or in a thread; returns at once in the second case."""
    request_id = context.request_id()
    if not background:
        _run(job_id, user.pk, request_id)
        return None
    thread = threading.Thread(target=_run_in_thread, args=(job_id, user.pk, request_id), daemon=True, name=f"import-{job_id[:8]}")
    _threads[job_id] = thread
    thread.start()
    return thread


def join(job_id, timeout=None):
    """Wait for a background job (tests, and a clean shutdown)."""
    thread = _threads.get(job_id)
    if thread is not None:
        thread.join(timeout)
        _threads.pop(job_id, None)


def _run_in_thread(job_id, user_id, request_id):
    close_old_connections()
    try:
        _run(job_id, user_id, request_id)
    finally:
        connections.close_all()


def _run(job_id, user_id, request_id):
    job = _cache().get(_key(job_id))
    if job is None:
        return
    with translation.override(job.get("language") or settings.LANGUAGE_CODE):
        _run_job(job_id, job, user_id, request_id)


def _run_job(job_id, job, user_id, request_id):
    from frontline.accounts.models import User

    token = context.set_request_id(request_id)
    last = [0.0]

    def progress(phase, done, total):
        now = time.monotonic()
        if now - last[0] < 0.5 and done < total:
            return
        last[0] = now
        job.update(state="running", phase=phase, done=done, total=total)
        _save(job_id, job)

    job["state"] = "running"
    _save(job_id, job)
    options = job["options"]
    upload = Path(job["upload"])
    try:
        user = User.objects.get(pk=user_id)
        area = Area.objects.get(pk=job["area_id"])
        result = import_ledger(
            upload, area=area, actor=user, dry_run=options["dry_run"], strict=options["strict"],
            create_missing=options["create_missing"], filename=job["filename"], progress=progress,
        )
        job.update(state="done", result=result.as_dict(max_problems=MAX_SHOWN_PROBLEMS),
                   summary=_summary(result), dry_run=result.dry_run)
    except Exception:  # the page must say so rather than poll forever
        log.exception("import job %s failed", job_id)
        job.update(state="failed", error=_("The import stopped on an unexpected error; nothing was saved. Try again, or ask an administrator."))
    finally:
        context.reset_request_id(token)
    keep_file = job["state"] == "done" and job.get("dry_run") and not job["result"]["rejected"]
    if not keep_file:
        upload.unlink(missing_ok=True)
        job["upload"] = ""
    _save(job_id, job)


def _summary(result) -> str:
    from .ledger import describe

    return describe(result)


def confirm(job_id, *, user) -> str | None:
    """Start the real run of a finished dry run, from the same file and options; returns the new job id."""
    job = get(job_id, user)
    if not job or job["state"] != "done" or not job.get("dry_run") or not job.get("upload"):
        return None
    upload = Path(job["upload"])
    if not upload.exists():
        return None
    area = Area.objects.get(pk=job["area_id"])
    options = {**job["options"], "dry_run": False}
    new_id = new_job(user=user, upload_path=upload, filename=job["filename"], area=area, options=options)
    job["upload"] = ""  # the file now belongs to the real run
    job["real_run"] = new_id  # reopened, the dry run says it was imported, and where
    _save(job_id, job)
    return new_id
