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
