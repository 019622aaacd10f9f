"""Per-request (or per-command) context: the request id that ties audit rows together."""

import contextvars
import uuid

_request_id = contextvars.ContextVar("frontline_request_id", default="")


def request_id() -> str:
    rid = _request_id.get()
    if not rid:
        rid = "cli-" + uuid.uuid4().hex[:12]
        _request_id.set(rid)
    return rid


def set_request_id(value: str):
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)


_actor = contextvars.ContextVar("frontline_actor", default=None)
_job = contextvars.ContextVar("frontline_job", default=None)


def actor():
    """Who the current job acts for (set by core.queue while a task runs); None elsewhere."""
    return _actor.get()


def job():
    """The core.JobRun the current code runs in, or None outside a task."""
    return _job.get()


def set_job(run, acting):
    return _job.set(run), _actor.set(acting)


def reset_job(tokens) -> None:
    job_token, actor_token = tokens
    _job.reset(job_token)
    _actor.reset(actor_token)
