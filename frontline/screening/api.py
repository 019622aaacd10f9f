"""The screening API at /api/v1/screening/: rounds and coverage, the desk (batch upload for the
offline queue, single scan, lookup), bags, the lab (token auth, role ``lab``: tubes sent to it,
never names), results review, the retest list, alerts and home-sampling tasks."""

import datetime
from typing import Annotated, Literal

import annotated_types
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, File, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import BeforeValidator, StrictBool, StrictStr, StringConstraints

from frontline.api import ERRORS, api, error
from frontline.areas.models import Area
from frontline.core import alerts as inbox
from frontline.core.apikit import NO_NUL, NOTES_PATTERN, LocalDateTime, Nested, Out
from frontline.core.apikit import BodySchema as Body
from frontline.core.models import Alert
from frontline.core.scoping import get_scoped_or_404
from frontline.residents.models import Resident

from . import coverage, imports
from .models import Bag, ControlFlag, Desk, HomeTask, Lab, LabResult, RetestItem, Round, Sample, Tube
from .services import lookup as lookup_service
from .services import results as result_service
from .services import review as review_service
from .services import rounds as round_service
from .services import sampling, transport
from .services.common import ScreeningError
from .services.people import mask_name

PREFIX = "screening"
router = Router(tags=["screening"])

# Inputs are typed strictly (pydantic's lax mode would take "5" for an id or 0 for false), ids
# are bounded to 64 bits and text never carries a control character (core/text.py).
MAX_ID = 2**63 - 1


def _whole_number(value):
    # JSON Schema's "integer" includes 5.0; a bool or a string is not one.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("expected an integer")
        return int(value)
    return value


Id = Annotated[int, annotated_types.Interval(ge=1, le=MAX_ID), BeforeValidator(_whole_number)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# Optional query parameters are declared without a null alternative: a query string cannot
# carry a null, and "anyOf null" makes generated negative examples ambiguous.
QueryId = Annotated[int, Query(None, ge=1, le=MAX_ID)]


def text(max_length: int, min_length: int = 0, *, multiline: bool = False):
    pattern = NOTES_PATTERN if multiline else NO_NUL
    return Annotated[StrictStr, StringConstraints(min_length=min_length, max_length=max_length, pattern=pattern)]


def query_text(max_length: int, min_length: int = 0, default=None):
    return Annotated[str, Query(default, min_length=min_length, max_length=max_length, pattern=NO_NUL)]


BarcodeParam = Annotated[str, Path(max_length=40, pattern=NO_NUL)]


@api.exception_handler(ScreeningError)
def _screening_error(request, exc):
    return error(request, exc.status, exc.code, exc.message, exc.details or None)


def _actor(request):
    return request.user


def _round(request, round_id, action="view"):
    return get_scoped_or_404(Round.objects, request.user, action, pk=round_id)


def _area(request, area_id):
    if area_id is None:
        return None
    return get_scoped_or_404(Area.objects, request.user, "view", pk=area_id)


def _desk(request, desk_id):
    return get_scoped_or_404(Desk.objects.select_related("site__round", "site__area"), request.user, "sample", pk=desk_id)


# --- schemas ------------------------------------------------------------------------------------

class ScreeningDeskOut(Schema):
    id: int
    name: str
    site: str
    round_id: int
    round: str
    pooling: str
    capacity: int


class ScreeningSiteOut(Schema):
    id: int
    name: str
    area_id: int
    location: str
    desks: list[ScreeningDeskOut]


class ScreeningRoundOut(Schema):
    id: int
    name: str
    status: str
    pooling: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    area_ids: list[int]


class ScreeningRoundDetailOut(ScreeningRoundOut):
    sites: list[ScreeningSiteOut]


class ScreeningRoundIn(Body):
    name: text(100, 1)
    area_ids: list[Id] = Field(..., min_length=1, max_length=200)
    starts_at: LocalDateTime
    ends_at: LocalDateTime
    pooling: Literal["1", "5", "10", "20", "household"] = "10"
    notes: text(2000, multiline=True) = ""


class ScreeningStatusIn(Body):
    status: Literal["planned", "open", "closed"]
    reason: text(300, 1)


class ScreeningCoverageRowOut(Schema):
    area_id: int
    area: str
    kind: str
    expected: int
    sampled: int
    missing: int
    percent: float


class ScreeningCoverageOut(Schema):
    round_id: int
    area_id: int | None
    expected: int
    sampled: int
    missing: int
    percent: float
    exempted: int
    rows: list[ScreeningCoverageRowOut]


class ScreeningMissingOut(Schema):
    resident_id: int
    name: str
    id_masked: str
    phone_masked: str
    address: str
    reason: str
    reason_label: str
    tags: list[str]


class ScreeningVisitorIn(Nested):
    name: text(60) = ""
    id_number: text(40) = ""
    phone: text(30) = ""
    address: text(200) = ""


class ScreeningDeskItemIn(Nested):
    """One desk operation. ``kind`` sample: ``desk`` (or ``home_task``), ``tube``, and one of
    ``resident``, ``id_number``, ``pass``, ``visitor``. undo: ``target`` (the scan's client id).
    seal: ``tube``. Fields are loose on purpose: a bad item is answered "rejected", never a 422
    that would block the whole offline batch."""

    client_id: text(64, 1)
    client_time: text(40) | None = None
    kind: text(10) = "sample"
    desk: Id | None = None
    home_task: Id | None = None
    tube: text(60) | None = None
    resident: Id | None = None
    id_number: text(40) | None = None
    pass_: text(80) | None = Field(None, alias="pass")
    visitor: ScreeningVisitorIn | None = None
    confirm_repeat: StrictBool = False
    confirm_visitor: StrictBool = False
    green_channel: StrictBool = False
    target: text(64) | None = None
    reason: text(200) | None = None

    model_config = {"populate_by_name": True}


class ScreeningBatchIn(Body):
    items: list[ScreeningDeskItemIn] = Field(..., max_length=1000)


class ScreeningItemResultOut(Out):
    client_id: str
    status: Literal["created", "duplicate", "rejected"]
    message: str
    data: dict


class ScreeningBatchOut(Out):
    results: list[ScreeningItemResultOut]


class ScreeningScanIn(ScreeningDeskItemIn, Body):
    client_id: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-fA-F-]{32,36}$")]


class ScreeningEarlierOut(Schema):
    tube: str
    slot: int
    where: str
    at: str
    at_display: str


class ScreeningLookupPersonOut(Schema):
    """What the desk needs to confirm a person, masked (services/lookup.py: what a desk may find)."""

    resident_id: int
    name_masked: str = Field(description="张*明: never the full name.")
    id_masked: str = Field(description="610103********123X; beside the age, never the birth date.")
    address: str = Field(description="Building and room inside the round's areas; 'another area' outside.")
    age: int | None
    green_reasons: list[str]
    in_scope: bool = Field(description="Inside the round's areas; outside, the person is registered as a visitor.")
    earlier: ScreeningEarlierOut | None = None


class ScreeningLookupOut(Schema):
    kind: Literal["tube", "person", "people", "unknown_id"]
    tube: dict | None = None
    people: list[ScreeningLookupPersonOut] = []
    id_masked: str = ""
    green_reasons: list[str] = []
    message: str = ""
    more: bool = False


class ScreeningTubeOut(Schema):
    barcode: str
    round_id: int
    status: str
    used: int
    capacity: int
    result: str
    result_conflict: bool
    bag: str | None
    site: str | None
    opened_at: datetime.datetime
    sealed_at: datetime.datetime | None
    resulted_at: datetime.datetime | None


class ScreeningSlotOut(Schema):
    slot: int
    name: str
    id_masked: str
    visitor: bool
    green_channel: bool
    created_at: datetime.datetime


class ScreeningTubeDetailOut(ScreeningTubeOut):
    samples: list[ScreeningSlotOut]


class ScreeningLabTubeOut(Schema):
    """What a lab sees: no names, no ID numbers."""

    barcode: str
    status: str
    swabs: int
    bag: str | None
    received_at: datetime.datetime | None
    result: str
    result_conflict: bool


class ScreeningBagIn(Body):
    site: Id
    barcode: text(40, 1)


class ScreeningPackIn(Body):
    tube: text(40, 1)


class ScreeningSendIn(Body):
    lab: Annotated[StrictStr, StringConstraints(min_length=1, max_length=20, pattern=NO_NUL)] = Field(..., description="The lab's code.")


class ScreeningBagOut(Schema):
    barcode: str
    status: str
    tube_count: int
    lab: str | None
    tubes: list[str]


class ScreeningResultIn(Body):
    barcode: text(40, 1)
    result: text(20, 1) = Field(..., description="negative / positive / invalid (阴性 / 阳性 / 无效)")
    tested_at: text(40, 1) = Field(..., description="ISO 8601, or 2022-01-05 14:30")


class ScreeningResultsIn(Body):
    results: list[ScreeningResultIn] = Field(..., min_length=1, max_length=50_000)


class ScreeningResultOutcomeOut(Schema):
    row: str
    barcode: str
    status: Literal["accepted", "duplicate", "conflict", "unknown", "error"]
    message: str


class ScreeningResultsOut(Schema):
    results: list[ScreeningResultOutcomeOut]


class ScreeningImportOut(Schema):
    file: str
    rows: int
    accepted: int
    duplicate: int
    conflict: int
    unknown: list[str]
    unknown_count: int
    errors: list[dict]
    error_count: int
    conflicts: list[dict]
    truncated: bool


class ScreeningConflictOut(Schema):
    id: int
    tube: str
    result: str
    accepted_result: str
    tested_at: datetime.datetime
    received_at: datetime.datetime
    source_ref: str


class ScreeningReviewIn(Body):
    decision: Literal["keep", "replace"]
    note: text(300, 1)


class ScreeningRetestOut(Schema):
    id: int
    tube: str
    name: str
    id_masked: str
    household: str | None
    status: str
    retest_barcode: str
    created_at: datetime.datetime


class ScreeningAlertOut(Schema):
    id: int
    kind: str
    message: str
    tube: str | None
    area: str
    created_at: datetime.datetime
    acknowledged: bool


class ScreeningFlagOut(Schema):
    id: int
    area_id: int
    area: str
    reason: str
    tube: str | None
    raised_at: datetime.datetime
    lifted_at: datetime.datetime | None


class ScreeningHomeTaskIn(Body):
    round: Id
    resident: Id
    reason: Literal["bedridden", "isolated", "disabled", "other"]
    note: text(300) = ""


class ScreeningHomeTaskOut(Schema):
    id: int
    round_id: int
    resident_id: int
    name: str
    address: str
    reason: str
    status: str
    tube: str | None


class ScreeningCompleteIn(Body):
    tube: text(40, 1)
    client_id: Annotated[StrictStr, StringConstraints(pattern=r"^[0-9a-fA-F-]{32,36}$")] | None = None


class ScreeningExemptionIn(Body):
    resident: Id
    reason: Literal["away", "hospital", "infant", "tested_elsewhere", "other"]
    evidence: text(300) = ""


class ScreeningOkOut(Schema):
    ok: bool = True


# --- rounds and coverage ----------------------------------------------------------------------

def _round_out(r: Round) -> dict:
    return {"id": r.pk, "name": r.name, "status": r.status, "pooling": r.pooling, "starts_at": r.starts_at,
            "ends_at": r.ends_at, "area_ids": [a.pk for a in r.areas.all()]}


def _desk_out(d: Desk) -> dict:
    r = d.site.round
    return {"id": d.pk, "name": d.name, "site": d.site.name, "round_id": r.pk, "round": r.name, "pooling": r.pooling,
            "capacity": r.tube_capacity}


@router.get("/rounds", response={200: list[ScreeningRoundOut], **ERRORS})
def list_rounds(request, status: query_text(20) = None):
    qs = Round.objects.restrict(request.user).prefetch_related("areas")
    if status:
        qs = qs.filter(status=status)
    return [_round_out(r) for r in qs[:200]]


@router.post("/rounds", response={201: ScreeningRoundOut, **ERRORS})
def create_round(request, payload: ScreeningRoundIn):
    areas = [get_scoped_or_404(Area.objects, request.user, "change", pk=pk) for pk in payload.area_ids]
    r = round_service.create_round(name=payload.name, areas=areas, starts_at=payload.starts_at, ends_at=payload.ends_at,
                                   pooling=payload.pooling, notes=payload.notes, actor=request.user, source="api")
    return Status(201, _round_out(r))


@router.get("/rounds/{round_id}", response={200: ScreeningRoundDetailOut, **ERRORS})
def get_round(request, round_id: PathId):
    r = _round(request, round_id)
    sites = []
    for site in r.sites.restrict(request.user).prefetch_related("desks"):
        desks = [_desk_out(d) for d in site.desks.all()]
        sites.append({"id": site.pk, "name": site.name, "area_id": site.area_id, "location": site.location, "desks": desks})
    return {**_round_out(r), "sites": sites}


@router.post("/rounds/{round_id}/status", response={200: ScreeningRoundOut, **ERRORS})
def set_round_status(request, round_id: PathId, payload: ScreeningStatusIn):
    r = _round(request, round_id, "change")
    round_service.set_round_status(r, payload.status, actor=request.user, reason=payload.reason, source="api")
    return _round_out(r)


@router.get("/rounds/{round_id}/coverage", response={200: ScreeningCoverageOut, **ERRORS})
def round_coverage(request, round_id: PathId, area: QueryId = None):
    r = _round(request, round_id)
    parent = _area(request, area)
    rows = coverage.coverage_rows(r, request.user, parent)
    totals = coverage.totals(r, request.user, rows, parent)
    return {"round_id": r.pk, "area_id": parent.pk if parent else None, **totals,
            "rows": [{"area_id": row.area.pk, "area": row.area.name, "kind": row.area.kind, "expected": row.expected,
                      "sampled": row.sampled, "missing": row.missing, "percent": row.percent} for row in rows]}


@router.get("/rounds/{round_id}/not-sampled", response={200: list[ScreeningMissingOut], **ERRORS})
def round_not_sampled(request, round_id: PathId, area: QueryId = None, limit: int = Query(1000, ge=1, le=20000)):
    r = _round(request, round_id)
    out = []
    for resident in coverage.not_sampled(r, request.user, _area(request, area)):
        out.append({"resident_id": resident.pk, "name": resident.name, "id_masked": resident.id_number_masked,
                    "phone_masked": resident.phone_masked, "address": f"{resident.household.area.name} {resident.household.room}",
                    "reason": resident.reason, "reason_label": str(resident.reason_label), "tags": resident.tag_list()})
        if len(out) >= limit:
            break
    return out


@router.post("/rounds/{round_id}/exemptions", response={201: ScreeningOkOut, **ERRORS})
def add_exemption(request, round_id: PathId, payload: ScreeningExemptionIn):
    r = _round(request, round_id)
    resident = get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "change", pk=payload.resident)
    round_service.add_exemption(r, resident, reason=payload.reason, evidence=payload.evidence, actor=request.user, source="api")
    return Status(201, {"ok": True})


@router.get("/rounds/{round_id}/tubes", response={200: list[ScreeningTubeOut], **ERRORS})
def round_tubes(request, round_id: PathId, status: query_text(20) = None, result: query_text(20) = None,
                offset: int = Query(0, ge=0, le=10**9), limit: int = Query(500, ge=1, le=5000)):
    r = _round(request, round_id)
    qs = Tube.objects.restrict(request.user).filter(round=r).select_related("bag", "site").order_by("opened_at", "pk")
    if status:
        qs = qs.filter(status=status)
    if result:
        qs = qs.filter(result=result)
    return [_tube_out(t) for t in qs[offset:offset + limit]]


def _tube_out(t: Tube) -> dict:
    return {"barcode": t.barcode, "round_id": t.round_id, "status": t.status, "used": t.used, "capacity": t.capacity,
            "result": t.result, "result_conflict": t.result_conflict, "bag": t.bag.barcode if t.bag_id else None,
            "site": t.site.name if t.site_id else None, "opened_at": t.opened_at, "sealed_at": t.sealed_at,
            "resulted_at": t.resulted_at}


@router.get("/tubes/{barcode}", response={200: ScreeningTubeDetailOut, **ERRORS})
def get_tube(request, barcode: BarcodeParam):
    t = get_scoped_or_404(Tube.objects.select_related("bag", "site"), request.user, "view", barcode=barcode.strip().upper())
    samples = []
    for s in t.samples.filter(voided_at__isnull=True).select_related("resident", "visitor").order_by("slot"):
        person = s.resident or s.visitor
        samples.append({"slot": s.slot, "name": mask_name(person.name), "id_masked": person.id_number_masked,
                        "visitor": s.visitor_id is not None, "green_channel": s.green_channel, "created_at": s.created_at})
    return {**_tube_out(t), "samples": samples}


# --- the desk ----------------------------------------------------------------------------------

@router.get("/desks", response={200: list[ScreeningDeskOut], **ERRORS})
def my_desks(request):
    qs = Desk.objects.restrict(request.user, "sample").active().filter(site__round__status=Round.Status.OPEN)
    return [_desk_out(d) for d in qs.select_related("site__round")[:200]]


class ScreeningLookupIn(Body):
    q: text(100, 1) = Field(description="What was scanned or typed: an ID number, a pass, a name or pinyin, a tube barcode.")


@router.post("/desks/{desk_id}/lookup", response={200: ScreeningLookupOut, **ERRORS})
def desk_lookup(request, desk_id: PathId, payload: ScreeningLookupIn):
    """A POST, not a GET: what the desk looks up is an ID number or a name, which must never travel
    in a URL (issue 8, hole 2: URLs end up in access logs, proxies and browser history)."""
    return lookup_service.lookup(_desk(request, desk_id), payload.q, actor=request.user)


@router.get("/desks/{desk_id}/tubes/{barcode}", response={200: dict, **ERRORS})
def desk_tube(request, desk_id: PathId, barcode: BarcodeParam):
    return sampling.tube_status(_desk(request, desk_id), barcode, actor=request.user)


def _item(payload: ScreeningDeskItemIn) -> dict:
    item = payload.model_dump(by_alias=True, exclude_none=True)
    if payload.visitor is not None:
        item["visitor"] = payload.visitor.model_dump()
    return item


@router.post("/desk/batch", response={200: ScreeningBatchOut, **ERRORS})
def desk_batch(request, payload: ScreeningBatchIn):
    """The offline queue's upload: every item is answered created, duplicate or rejected, in order.
    Replaying a batch is harmless: client ids already stored are answered "duplicate"."""
    outcomes = sampling.ingest([_item(i) for i in payload.items], actor=request.user)
    return {"results": [o.as_dict() for o in outcomes]}


@router.post("/desk/scan", response={200: ScreeningItemResultOut, 201: ScreeningItemResultOut, **ERRORS})
def desk_scan(request, payload: ScreeningScanIn):
    """One scan, online. 409 ``already_sampled`` (with where and when), ``out_of_scope`` and
    ``not_in_ledger`` wait for the desk's confirmation (``confirm_repeat`` / ``confirm_visitor``);
    409 ``tube_sealed`` / ``tube_full`` ask for a new tube; 422 names the bad input."""
    outcome = sampling.register(_item(payload), actor=request.user, source=Sample.Source.API)
    return Status(201 if outcome.status == "created" else 200, outcome.as_dict())


# --- after an offline sync: what the server questioned -----------------------------------------

class ScreeningReviewItemOut(Out):
    sample_id: int
    client_id: str
    tube: str
    slot: int
    name: str
    id_masked: str
    reasons: list[str]
    reason_text: str
    earlier: str | None
    at: str


class ScreeningSampleReviewIn(Body):
    decision: Literal["keep", "undo"]
    reason: text(200) = ""


@router.get("/desks/{desk_id}/review", response={200: list[ScreeningReviewItemOut], **ERRORS})
def desk_review(request, desk_id: PathId):
    """The desk's scans stored offline that the server, online, would have questioned (already
    sampled this round, not in the ledger, outside the round's areas), until someone looks."""
    items = review_service.open_items(_desk(request, desk_id), actor=request.user)
    return [review_service.item_data(s) for s in items]


@router.post("/samples/{sample_id}/review", response={200: ScreeningReviewItemOut, **ERRORS})
def review_sample(request, sample_id: PathId, payload: ScreeningSampleReviewIn):
    """``keep`` the scan as stored, or ``undo`` it (voided with ``reason``; its slot freed when it
    is the open tube's last). 409 when someone has looked at it already."""
    sample = get_scoped_or_404(Sample.objects.select_related("tube", "resident", "visitor"), request.user, "sample",
                               pk=sample_id)
    if payload.decision == "keep":
        sample = review_service.keep(sample, actor=request.user, note=payload.reason)
    else:
        sample = review_service.undo(sample, actor=request.user, reason=payload.reason)
    return review_service.item_data(sample)


# --- bags and the lab --------------------------------------------------------------------------

def _bag_out(bag: Bag) -> dict:
    return {"barcode": bag.barcode, "status": bag.status, "tube_count": bag.tube_count, "lab": bag.lab.code if bag.lab_id else None,
            "tubes": list(bag.tubes.order_by("barcode").values_list("barcode", flat=True))}


@router.post("/bags", response={201: ScreeningBagOut, **ERRORS})
def create_bag(request, payload: ScreeningBagIn):
    from .models import SamplingSite

    site = get_scoped_or_404(SamplingSite.objects.select_related("round", "area"), request.user, "sample", pk=payload.site)
    return Status(201, _bag_out(transport.create_bag(site, payload.barcode, actor=request.user, source="api")))


def _bag(request, barcode):
    return get_scoped_or_404(Bag.objects, request.user, "sample", barcode=barcode.strip().upper())


@router.post("/bags/{barcode}/tubes", response={200: ScreeningBagOut, **ERRORS})
def pack_tube(request, barcode: BarcodeParam, payload: ScreeningPackIn):
    bag = _bag(request, barcode)
    transport.pack_tube(bag, payload.tube, actor=request.user, source="api")
    bag.refresh_from_db()
    return _bag_out(bag)


@router.post("/bags/{barcode}/send", response={200: ScreeningBagOut, **ERRORS})
def send_bag(request, barcode: BarcodeParam, payload: ScreeningSendIn):
    bag = _bag(request, barcode)
    lab = get_object_or_404(Lab, code=payload.lab.strip().upper())
    return _bag_out(transport.send_bag(bag, lab, actor=request.user, source="api"))


@router.get("/lab/tubes", response={200: list[ScreeningLabTubeOut], **ERRORS})
def lab_tubes(request, status: query_text(20) = None, bag: query_text(40) = None, offset: int = Query(0, ge=0, le=10**9),
              limit: int = Query(1000, ge=1, le=10000)):
    qs = Tube.objects.restrict(request.user, "lab").select_related("bag").order_by("pk")
    if status:
        qs = qs.filter(status=status)
    if bag:
        qs = qs.filter(bag__barcode=bag.strip().upper())
    return [{"barcode": t.barcode, "status": t.status, "swabs": t.used, "bag": t.bag.barcode if t.bag_id else None,
             "received_at": t.received_at, "result": t.result, "result_conflict": t.result_conflict}
            for t in qs[offset:offset + limit]]


@router.post("/lab/bags/{barcode}/receive", response={200: ScreeningBagOut, **ERRORS})
def receive_bag(request, barcode: BarcodeParam):
    if not request.user.has_action("lab"):
        raise Http404
    return _bag_out(transport.receive_bag(barcode, actor=request.user))


def _require_results_role(user):
    if not (user.is_superuser or user.has_action("lab") or user.has_action("import")):
        raise Http404


@router.post("/lab/results", response={200: ScreeningResultsOut, **ERRORS})
def post_results(request, payload: ScreeningResultsIn):
    """Results from a lab system. Idempotent: the same result again is "duplicate"; a different
    result for a resulted tube is "conflict" (kept for review, nothing overwritten); a tube the
    lab was not sent is "unknown"."""
    _require_results_role(request.user)
    rows = [result_service.ResultRow(r.barcode, r.result, r.tested_at, ref=str(n)) for n, r in enumerate(payload.results, 1)]
    outcomes = result_service.report_results(rows, actor=request.user, source=LabResult.Source.API,
                                             source_ref=getattr(request, "request_id", "api"))
    return {"results": [{"row": o.ref, "barcode": o.barcode, "status": o.status, "message": str(o.message)} for o in outcomes]}


@router.post("/lab/results/import", response={200: ScreeningImportOut, **ERRORS})
def import_results(request, file: File[UploadedFile]):
    """A lab's result file (.csv or .xlsx: tube barcode, result, time)."""
    _require_results_role(request.user)
    return imports.import_results(file.name, file.read(), actor=request.user)


# --- review, retests, alerts, control flags ----------------------------------------------------

@router.get("/conflicts", response={200: list[ScreeningConflictOut], **ERRORS})
def list_conflicts(request):
    out = []
    for r in LabResult.objects.restrict(request.user).conflicts().select_related("tube")[:500]:
        accepted = LabResult.objects.filter(tube=r.tube, accepted=True).values_list("result", flat=True).first() or ""
        out.append({"id": r.pk, "tube": r.tube.barcode, "result": r.result, "accepted_result": accepted,
                    "tested_at": r.tested_at, "received_at": r.received_at, "source_ref": r.source_ref})
    return out


@router.post("/conflicts/{result_id}/review", response={200: ScreeningOkOut, **ERRORS})
def review_conflict(request, result_id: PathId, payload: ScreeningReviewIn):
    result = get_scoped_or_404(LabResult.objects, request.user, "change", pk=result_id)
    result_service.review_conflict(result, keep_accepted=payload.decision == "keep", note=payload.note, actor=request.user,
                                   source="api")
    return {"ok": True}


@router.get("/retests", response={200: list[ScreeningRetestOut], **ERRORS})
def list_retests(request, round: QueryId = None, status: query_text(20) = None):
    qs = RetestItem.objects.restrict(request.user).select_related("tube", "sample__resident", "sample__visitor", "household__area")
    if round:
        qs = qs.filter(tube__round_id=round)
    if status:
        qs = qs.filter(status=status)
    out = []
    for item in qs[:2000]:
        person = item.sample.resident or item.sample.visitor
        out.append({"id": item.pk, "tube": item.tube.barcode, "name": person.name, "id_masked": person.id_number_masked,
                    "household": str(item.household) if item.household_id else None, "status": item.status,
                    "retest_barcode": item.retest_barcode, "created_at": item.created_at})
    return out


@router.get("/alerts", response={200: list[ScreeningAlertOut], **ERRORS})
def list_alerts(request, include_acknowledged: bool = False):
    """Screening's alerts from the core inbox (open ones; ``/me/work`` has every kind)."""
    qs = Alert.objects.restrict(request.user).of_kinds("screening.").open().select_related("target_type")
    if not include_acknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    alerts = list(qs[:200])
    tubes = dict(Tube.objects.filter(pk__in=[int(a.target_id) for a in alerts if a.target_id.isdigit()])
                 .values_list("pk", "barcode"))
    areas = dict(Area.objects.filter(path__in={a.area_path for a in alerts}).values_list("path", "name"))
    return [{"id": a.pk, "kind": a.kind.removeprefix("screening."), "message": a.text(),
             "tube": tubes.get(int(a.target_id)) if a.target_id.isdigit() else None,
             "area": areas.get(a.area_path, ""), "created_at": a.created_at,
             "acknowledged": a.acknowledged_at is not None} for a in alerts]


@router.post("/alerts/{alert_id}/acknowledge", response={200: ScreeningOkOut, **ERRORS})
def acknowledge_alert(request, alert_id: PathId):
    inbox.acknowledge_alert(get_scoped_or_404(Alert.objects.of_kinds("screening."), request.user, pk=alert_id),
                            actor=request.user)
    return {"ok": True}


@router.get("/control-flags", response={200: list[ScreeningFlagOut], **ERRORS})
def list_flags(request, active: bool = True):
    qs = ControlFlag.objects.restrict(request.user).select_related("area", "tube")
    if active:
        qs = qs.filter(lifted_at__isnull=True)
    return [{"id": f.pk, "area_id": f.area_id, "area": f.area.full_name(), "reason": f.reason,
             "tube": f.tube.barcode if f.tube_id else None, "raised_at": f.raised_at, "lifted_at": f.lifted_at} for f in qs[:500]]


# --- home sampling -----------------------------------------------------------------------------

def _task_out(t: HomeTask) -> dict:
    return {"id": t.pk, "round_id": t.round_id, "resident_id": t.resident_id, "name": t.resident.name,
            "address": f"{t.resident.household.area.name} {t.resident.household.room}", "reason": t.reason, "status": t.status,
            "tube": t.sample.tube.barcode if t.sample_id else None}


@router.get("/home-tasks", response={200: list[ScreeningHomeTaskOut], **ERRORS})
def list_home_tasks(request, round: QueryId = None, status: query_text(20, default="open") = "open"):
    qs = HomeTask.objects.restrict(request.user).select_related("resident__household__area", "sample__tube")
    if round:
        qs = qs.filter(round_id=round)
    if status:
        qs = qs.filter(status=status)
    return [_task_out(t) for t in qs[:2000]]


@router.post("/home-tasks", response={201: ScreeningHomeTaskOut, **ERRORS})
def create_home_task(request, payload: ScreeningHomeTaskIn):
    r = _round(request, payload.round)
    resident = get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "change", pk=payload.resident)
    task = round_service.create_home_task(r, resident, reason=payload.reason, note=payload.note, actor=request.user, source="api")
    return Status(201, _task_out(task))


@router.post("/home-tasks/{task_id}/complete", response={200: ScreeningItemResultOut, 201: ScreeningItemResultOut, **ERRORS})
def complete_home_task(request, task_id: PathId, payload: ScreeningCompleteIn):
    task = get_scoped_or_404(HomeTask.objects.select_related("round"), request.user, "sample", pk=task_id)
    outcome = sampling.complete_home_task(task, payload.tube, actor=request.user, client_id=payload.client_id)
    return Status(201 if outcome.status == "created" else 200, outcome.as_dict())


class ScreeningLabOut(Schema):
    code: str
    name: str
    tubes: int = Field(description="Tubes sent to this lab that you may see: from your areas, or your own lab's.")


@router.get("/labs", response={200: list[ScreeningLabOut], **ERRORS})
def list_labs(request):
    """Every lab (a desk chooses where a bag goes), with the count of the tubes *you* may see:
    those of your areas (``restrict``) and, for a lab account, its own lab's (``restrict(…, "lab")``)."""
    seen = Tube.objects.restrict(request.user).filter(lab__isnull=False)
    counts = dict(seen.order_by().values_list("lab").annotate(n=Count("pk")))
    for lab_id, n in Tube.objects.restrict(request.user, "lab").exclude(pk__in=seen.values("pk")).order_by() \
            .values_list("lab").annotate(n=Count("pk")):
        counts[lab_id] = counts.get(lab_id, 0) + n
    return [{"code": lab.code, "name": lab.name, "tubes": counts.get(lab.pk, 0)} for lab in Lab.objects.order_by("name")]
