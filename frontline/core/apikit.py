"""Building blocks shared by every app's API router (frontline/<app>/api.py).

Error schema and the statuses every operation declares, bounded id and text types (so no
generated input reaches the database as an overflowing integer or a NUL byte), keyset
pagination, the change-log schema, and the 404-then-403 permission check.
"""

import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Path, Query, Schema
from ninja.errors import HttpError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from frontline.core import text as text_rules
from frontline.core.models import AuditEntry


def _no_control_characters(value, info: ValidationInfo):
    """Every string of a request body (fields typed with a pattern or not, lists of strings too)
    is free of control characters; only a field named ``notes`` may hold line breaks."""
    multiline = info.field_name in text_rules.MULTILINE_FIELDS
    for item in value if isinstance(value, list) else (value,):
        message = text_rules.control_message(item, multiline=multiline) if isinstance(item, str) else None
        if message:
            raise PydanticCustomError("control_character", str(message))
    return value


class Out(BaseModel):
    """A response body. Plain pydantic, not ninja's Schema: responses are built as dicts, and
    ninja's attribute-reading wrapper costs ~1 ms per nested object on a 50-row page."""


class Nested(BaseModel):
    """An object inside a request body (the items of a batch). Plain pydantic: ninja's Schema
    wraps every nested object in its attribute reader, which cost a 200-scan desk batch about
    20 ms; the body around it has already been checked to be a JSON object."""

    model_config = {"populate_by_name": True}

    _text_rule = field_validator("*", mode="after", check_fields=False)(_no_control_characters)


class BodySchema(Schema):
    """A request body: a JSON object and nothing else.

    ninja's Schema reads attributes from any object, so without this a list or a string would
    validate as a body whose fields are all optional (a PATCH) and change nothing silently.
    """

    _text_rule = field_validator("*", mode="after", check_fields=False)(_no_control_characters)

    @model_validator(mode="before")
    @classmethod
    def _json_object_only(cls, data):
        # ninja's own wrap validator may have wrapped the input already (DjangoGetter).
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError(_("the request body must be a JSON object"))
        return data


class ErrorOut(Out):
    code: str = Field(description="Machine-readable: not_found, forbidden, unauthorized, csrf_failed, invalid, bad_request, conflict.")
    message: str = Field(description="Human-readable, in the request's language; names the field and the rule for 422.")
    details: dict | list | None = Field(None, description="For 422: a list of {field, rule, message}.")


# The API's own messages (frontline/api.py answers with them); translated in core's catalogue.
MESSAGES = {
    "not_found": gettext_lazy("Not found."),
    "forbidden": gettext_lazy("Forbidden."),
    "unauthorized": gettext_lazy("Authentication required: a device token or a session."),
    "bad_json": gettext_lazy("The request body is not valid JSON."),
    "conflict": gettext_lazy("The change conflicts with another record."),
    "out_of_range": gettext_lazy("A value is out of the range the database accepts."),
    "no_endpoint": gettext_lazy("No such API endpoint."),
    "csrf_failed": gettext_lazy("CSRF check failed: send the X-CSRFToken header with a session, or use a device token."),
    "bad_request": gettext_lazy("The request could not be read."),
    "too_large": gettext_lazy("The request body is too large (at most %(size)s)."),
    "server_error": gettext_lazy("The server could not complete the request; nothing was saved. Try again, or tell an administrator (request id in X-Request-ID)."),
    "unavailable": gettext_lazy("The database is not reachable right now; nothing was saved. Try again in a moment."),
    "method_not_allowed": gettext_lazy("This method is not allowed here."),
}

# Every operation documents these; schemathesis checks that nothing else is answered.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# Primary keys are 64-bit; anything larger would overflow in the database driver.
MAX_ID = 2**63 - 1
# No control characters (core/text.py; PostgreSQL text cannot even hold NUL); declared in the
# schema so clients and generators know. The name stays: every text field uses it.
NO_NUL = text_rules.SINGLE_LINE_PATTERN
# ...but a notes field may hold line breaks.
NOTES_PATTERN = text_rules.MULTI_LINE_PATTERN
# ...and at least one visible character. Whitespace is spelled out, not \s: JSON Schema (ECMA)
# and pydantic (Rust) disagree on what \s covers (U+0085, for one).
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
NAME_PATTERN = rf"^[^\x00-\x1f\x7f-\x9f]*[^{_BLANK}][^\x00-\x1f\x7f-\x9f]*$"

RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="Record id.")]

# JSON bodies are typed strictly: pydantic's lax mode would take "5" or 5.0 for an id and 0
# (seconds since 1970) for a date, so a client's type mistake would pass unnoticed.
BodyId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[StrictInt | None, Field(None, ge=1, le=MAX_ID)]


def _iso_date_only(value):
    if isinstance(value, str | datetime.date) and not isinstance(value, datetime.datetime):
        return value
    raise ValueError(_("a date is written YYYY-MM-DD"))


IsoDate = Annotated[datetime.date, BeforeValidator(_iso_date_only)]


# Times and datetimes: the command post works in one zone (settings.TIME_ZONE, Asia/Shanghai).
# A value with an offset is converted to it ("06:00:00Z" is 14:00); a value without one is
# taken as local. A time of day is stored without a zone, so a silently dropped offset would
# move a gate's opening by eight hours; docs/api.md says so.
def to_local_time(value: datetime.time) -> datetime.time:
    """A time of day in the local zone: an offset converted, then dropped; naive kept."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value
    from django.utils import timezone

    moment = datetime.datetime.combine(timezone.localdate(), value.replace(tzinfo=None), tzinfo=value.tzinfo)
    return timezone.localtime(moment).time().replace(microsecond=value.microsecond)


def to_local_datetime(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the local zone (naive is read as local time)."""
    from django.utils import timezone

    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return timezone.localtime(value)


LocalTime = Annotated[datetime.time, AfterValidator(to_local_time)]
LocalDateTime = Annotated[datetime.datetime, AfterValidator(to_local_datetime)]


def text(max_length: int, min_length: int = 0, *, multiline: bool = False):
    """A string type bounded in length and free of control characters (``multiline``: line
    breaks allowed, for notes)."""
    pattern = NOTES_PATTERN if multiline else NO_NUL
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)]


def name_text(max_length: int):
    """A required name: bounded, free of control characters, with at least one visible character."""
    return Annotated[str, StringConstraints(max_length=max_length, pattern=NAME_PATTERN)]


class Conflict(HttpError):
    """409: the request is well formed but the record's state forbids it (e.g. deleting a non-empty area)."""

    code = "conflict"

    def __init__(self, message):
        super().__init__(409, str(message))


class CsrfFailed(HttpError):
    code = "csrf_failed"

    def __init__(self):
        super().__init__(403, _("CSRF check failed: send the X-CSRFToken header with a session, or use a device token."))


def invalid(field: str, message, rule: str = "invalid"):
    """A ValidationError naming ``field`` and ``rule``; the API answers it as 422."""
    return ValidationError({field: ValidationError(message, code=rule)})


def conflict_from(exc: ValidationError) -> Conflict:
    return Conflict(" ".join(exc.messages))


# --- scoping helpers ---------------------------------------------------------------------------

def get_visible(queryset, user, **lookup):
    """The record if ``user`` may see it; otherwise 404, the same as a record that does not exist."""
    try:
        return queryset.restrict(user, "view").get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


# --- pagination ---------------------------------------------------------------------------------

def cursor_param(parts: int, path_first: bool = False):
    """A query parameter for a keyset cursor of ``parts`` dot-separated numbers (an area path first)."""
    first = r"[0-9]{1,120}" if path_first else r"[0-9]{1,18}"
    pattern = "^" + r"\.".join([first] + [r"[0-9]{1,18}"] * (parts - 1)) + "$"
    return Annotated[str | None, Query(None, pattern=pattern, description="The previous page's `next_cursor`.")]


IdCursor = cursor_param(1)
Limit = Annotated[int, Query(50, ge=1, le=200, description="Page size (default 50, at most 200).")]


class PageMeta(Out):
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page.")
    next: str | None = Field(None, description="The next page's URL with the same filters; null on the last page.")
    count: int | None = Field(None, description="Total matching rows, only when `count=true` was asked.")


def _value(obj, key: str):
    if isinstance(obj, dict):  # a .values() row
        return obj[key]
    for part in key.split("__"):
        obj = getattr(obj, part)
    return obj


def after(keys, values, descending=False) -> Q:
    """Rows after ``values`` in the order of ``keys`` (a row-value comparison spelled out).

    The first key's own bound comes first so the database can start its index range there.
    """
    op = "lt" if descending else "gt"
    q = Q(**{f"{keys[0]}__{op}e": values[0]})
    alternatives = Q()
    for i, key in enumerate(keys):
        term = Q(**{f"{key}__{op}": values[i]})
        for earlier, value in zip(keys[:i], values[:i], strict=True):
            term &= Q(**{earlier: value})
        alternatives |= term
    return q & alternatives


def keyset_page(request, queryset, *, keys=("id",), cursor: str | None, limit: int, count: bool = False,
                descending: bool = False) -> dict[str, Any]:
    """One page of ``queryset`` in the order of ``keys`` (unique together), after ``cursor``.

    Keyset pagination costs the same on page 1 and page 10,000 (no OFFSET), and skips the
    COUNT(*) unless asked: among a million residents the count costs more than the page itself
    (benchmarks/resident_list_api.py measures both). Lists follow the area tree (keys starting
    with the area path), so a scoped page is read from where the caller's subtree starts.
    """
    total = queryset.count() if count else None
    if cursor:
        queryset = queryset.filter(after(keys, cursor.split("."), descending))
    rows = list(queryset.order_by(*[f"-{k}" if descending else k for k in keys])[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = ".".join(str(_value(rows[-1], k)) for k in keys) if more else None
    next_url = None
    if next_cursor:
        params = request.GET.copy()
        params["cursor"] = next_cursor
        params.pop("count", None)
        next_url = f"{request.path}?{params.urlencode()}"
    return {"rows": rows, "next_cursor": next_cursor, "next": next_url, "count": total}


# --- change log ---------------------------------------------------------------------------------

class HistoryEntryOut(Out):
    id: int
    at: datetime.datetime
    actor: str = Field(description="Who made the change (username), or 'system'.")
    action: str = Field(description="create, update, delete or reveal.")
    source: str = Field(description="web, api, import, admin, cli.")
    request_id: str
    changes: dict = Field(description="Field → [before, after]; personal fields are redacted to '***'.")
    reason: str


class HistoryPage(PageMeta):
    items: list[HistoryEntryOut]


from .audit import REDACTED_IN_HISTORY  # noqa: E402  (one list for pages and API)


def history_entry(entry: AuditEntry) -> dict:
    changes = {
        key: ["***" if v not in (None, "") else v for v in value] if key in REDACTED_IN_HISTORY and isinstance(value, list) else value
        for key, value in (entry.changes or {}).items()
    }
    return {
        "id": entry.pk, "at": entry.at, "actor": entry.actor_name, "action": entry.action,
        "source": entry.source, "request_id": entry.request_id, "changes": changes, "reason": entry.reason,
    }


def history_page(request, obj, *, cursor, limit) -> dict:
    """The change log of ``obj``, newest first. The caller has already checked ``obj`` is visible."""
    entries = AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
    page = keyset_page(request, entries, cursor=cursor, limit=limit, descending=True)
    return {**page, "items": [history_entry(e) for e in page.pop("rows")]}
