"""/api/v1/me/work: the caller's work (the alert inbox and every app's work sources), and
acknowledging or resolving an alert. Items outside the caller's scope are 404."""

from typing import Annotated

from django.core.exceptions import ValidationError
from ninja import Query, Router

from frontline.core import work
from frontline.core.apikit import ERRORS, MAX_ID, Conflict, Limit, RecordId, conflict_from, invalid

from . import services
from .schemas import ResolveIn, WorkActionOut, WorkPage

router = Router(tags=["my work"])

Cursor = Annotated[str | None, Query(None, pattern=work.CURSOR_PATTERN, description="The previous page's `next_cursor`.")]
KindFilter = Annotated[str | None, Query(None, max_length=60, pattern=r"^[a-z0-9_.]+$", description="Only this kind.")]
AreaFilter = Annotated[int | None, Query(None, ge=1, le=MAX_ID, description="Only this area's subtree (an area id).")]


def _item_out(item) -> dict:
    return {"source": item.source, "id": item.ref, "kind": item.kind, "label": item.label, "message": item.text,
            "severity": item.severity, "area": item.area_name, "created_at": item.created_at, "due": item.due,
            "url": item.url, "record_removed": item.removed, "acknowledged": item.acknowledged,
            "actions": list(item.actions)}


@router.get("/work", response={200: WorkPage, **ERRORS}, summary="My work")
def my_work(request, kind: KindFilter = None, area: AreaFilter = None, cursor: Cursor = None, limit: Limit = 50):
    """Open items for the caller, most urgent then newest first; counts by kind; the badge."""
    user = request.user
    # A kind no installed app declares has no items (not an error: apps come and go).
    scope = services.visible_area(user, area) if area else None
    try:
        inbox = services.inbox(user, kinds={kind} if kind else None, area=scope, cursor=cursor, limit=limit)
    except ValueError:
        raise invalid("cursor", "bad cursor") from None
    next_url = None
    if inbox["next_cursor"]:
        params = request.GET.copy()
        params["cursor"] = inbox["next_cursor"]
        next_url = f"{request.path}?{params.urlencode()}"
    return {"items": [_item_out(item) for item in inbox["items"]], "counts": inbox["counts"], "total": inbox["total"],
            "badge": work.badge_count(user), "next_cursor": inbox["next_cursor"], "next": next_url, "count": None}


def _action_out(alert) -> dict:
    return {"id": alert.pk, "acknowledged": alert.acknowledged_at is not None, "resolved": alert.resolved_at is not None}


@router.post("/work/{id}/ack", response={200: WorkActionOut, **ERRORS}, summary="Acknowledge an alert")
def acknowledge(request, id: RecordId):
    alert = services.visible_alert(request.user, id)
    try:
        return _action_out(services.acknowledge(alert, actor=request.user))
    except ValidationError as exc:
        raise conflict_from(exc) from None


@router.post("/work/{id}/resolve", response={200: WorkActionOut, **ERRORS}, summary="Resolve an alert with a reason")
def resolve(request, id: RecordId, payload: ResolveIn):
    alert = services.visible_alert(request.user, id)
    if not payload.reason.strip():
        raise invalid("reason", "Say how this was settled.", rule="required")
    try:
        return _action_out(services.resolve(alert, actor=request.user, reason=payload.reason))
    except ValidationError as exc:
        if getattr(exc, "code", None) == "conflict" or any(e.code == "conflict" for e in exc.error_list):
            raise Conflict(" ".join(exc.messages)) from None
        raise
