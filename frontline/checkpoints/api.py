"""/api/v1/checkpoints: gates, the gate decision, the offline batch, policies, exemptions, passes,
home isolation, errands, vehicles, venue codes and scans, statistics.

Scoped like every record: a gate, passage or pass outside your areas is 404; inside them but not
allowed by your role (a volunteer overriding, a worker setting policy) is 403. Gate phones and the
venue-code app authenticate with a device token (``Authorization: Bearer fl_…``).
"""

import datetime
import json
from typing import Annotated, Literal

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from frontline.api import ERRORS
from frontline.areas.models import Area
from frontline.core import validity
from frontline.core.apikit import Conflict
from frontline.core.personal import mask_name
from frontline.core.scoping import get_scoped_or_404
from frontline.residents.models import Household, Resident

from . import contacts, services, snapshot, stats, tokens
from .decisions import gate_for, preview, record_passage
from .identify import identify
from .models import (
    ErrandRequest,
    Exemption,
    ExitPolicy,
    Gate,
    Pass,
    Passage,
    ResidentPresence,
    VehiclePassage,
    Venue,
    VenueScan,
)
from .policy import Checks, parse_temperature, rule_label
from .schemas import (
    MAX_ID,
    CheckpointReasonIn,
    ErrandIn,
    ErrandOut,
    ExemptionIn,
    ExemptionOut,
    GateBatchIn,
    GateBatchOut,
    GateIn,
    GateOut,
    GatePatch,
    GateStatsRow,
    IdentifyIn,
    IdentifyOut,
    IsoDate,
    OverrideIn,
    PassageIn,
    PassageOut,
    PassageReviewIn,
    PassIn,
    PassOut,
    PolicyIn,
    PolicyOut,
    VehicleIn,
    VehicleOut,
    VenueContactOut,
    VenueIn,
    VenueOut,
    VenueScanIn,
    VenueScanOut,
    decision_out,
    passage_out,
    person_out,
)

PREFIX = "checkpoints"
RecordId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
router = Router(tags=["checkpoints"])
LIST_LIMIT = 200


def _gate(request, gate_id, action="view"):
    return get_scoped_or_404(Gate.objects.select_related("compound"), request.user, action, pk=gate_id)


def _area(request, area_id, action="view"):
    return get_scoped_or_404(Area.objects, request.user, action, pk=area_id)


def _resident(request, resident_id):
    return get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "view", pk=resident_id)


def gate_out(gate) -> dict:
    venue = Venue.objects.filter(gate=gate).values_list("pk", flat=True).first()
    return {
        "id": gate.pk, "name": gate.name, "compound_id": gate.compound_id, "compound": gate.compound.name,
        "opens_at": gate.opens_at, "closes_at": gate.closes_at, "active": gate.active, "venue_id": venue,
        "open_now": gate.is_open(timezone.now()),
    }


# --- gates --------------------------------------------------------------------------------------

@router.get("/gates", response={200: list[GateOut], **ERRORS})
def list_gates(request):
    return [gate_out(g) for g in Gate.objects.restrict(request.user).select_related("compound")[:LIST_LIMIT]]


@router.post("/gates", response={201: GateOut, **ERRORS})
def create_gate(request, body: GateIn):
    compound = _area(request, body.compound_id)
    gate = services.create_gate(compound=compound, name=body.name, opens_at=body.opens_at, closes_at=body.closes_at,
                                notes=body.notes, actor=request.user, source="api")
    return Status(201, gate_out(gate))


@router.get("/gates/{gate_id}", response={200: GateOut, **ERRORS})
def get_gate(request, gate_id: RecordId):
    return gate_out(_gate(request, gate_id))


@router.patch("/gates/{gate_id}", response={200: GateOut, **ERRORS})
def update_gate(request, gate_id: RecordId, body: GatePatch):
    gate = _gate(request, gate_id)
    # null means "leave as is", except for the opening hours, where null means "open day and night".
    fields = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None or k in ("opens_at", "closes_at")}
    gate = services.update_gate(gate, actor=request.user, source="api", **fields)
    return gate_out(gate)


@router.get("/gates/{gate_id}/state", response={200: dict, **ERRORS})
def gate_state(request, gate_id: RecordId):
    """The compact snapshot the gate screen keeps for deciding offline."""
    gate = _gate(request, gate_id)
    services.require_gate(request.user, gate)
    return snapshot.gate_state(gate)


class PassageReviewOut(Schema):
    id: int
    at: str
    direction: str
    who: str
    decision: str
    rule_label: str
    server_rule_label: str
    reviewed: bool


def _review_out(p: Passage) -> dict:
    if p.resident_id:
        who = person_out(p.resident)["name"]
    elif p.visitor_id:
        who = mask_name(p.visitor.name)
    else:
        who = ""
    return {"id": p.pk, "at": timezone.localtime(p.at).strftime("%H:%M"), "direction": p.direction, "who": who,
            "decision": p.decision, "rule_label": str(rule_label(p.rule)), "server_rule_label": str(rule_label(p.server_rule)),
            "reviewed": p.reviewed_at is not None}


@router.get("/gates/{gate_id}/review", response={200: list[PassageReviewOut], **ERRORS})
def gate_review(request, gate_id: RecordId):
    """Passages decided offline here that the server would have decided otherwise (e.g. the
    household's quota was used meanwhile), until someone on duty has looked at them."""
    gate = _gate(request, gate_id)
    return [_review_out(p) for p in services.passages_to_review(gate, actor=request.user)]


@router.post("/passages/{passage_id}/review", response={200: PassageReviewOut, **ERRORS})
def review_passage(request, passage_id: RecordId, body: PassageReviewIn):
    """Mark a questioned passage as looked at (the gate's decision stays; the change log says who)."""
    passage = get_scoped_or_404(Passage.objects.select_related("gate__compound", "resident", "visitor"), request.user, "view",
                                pk=passage_id)
    if not passage.needs_review or passage.reviewed_at is not None:
        raise Conflict(_("This passage does not need a review (any more)."))
    return _review_out(services.review_passage(passage, actor=request.user, note=body.note, source="api"))


@router.get("/gates/{gate_id}/live", response={200: dict, **ERRORS})
def gate_live(request, gate_id: RecordId):
    gate = _gate(request, gate_id)
    view = stats.live_view(gate)
    return {
        "now": view["now"], "in": view["counts"]["n_in"], "out": view["counts"]["n_out"], "refused": view["counts"]["refused"],
        "refusals": [passage_out(p) for p in view["refusals"]],
        "out_now": [{"household_id": h["household"].pk, "household": f"{h['household'].area.name} {h['household'].room}",
                     "people": [{"name": p["name"], "since": p["since"], "late": p["late"]} for p in h["people"]]}
                    for h in view["out_households"]],
        "out_past_22": len(view["late"]),
    }


@router.post("/gates/{gate_id}/identify", response={200: IdentifyOut, **ERRORS})
def identify_person(request, gate_id: RecordId, body: IdentifyIn):
    """Who is this, and what would the gate decide (nothing is recorded)."""
    gate = _gate(request, gate_id)
    services.require_gate(request.user, gate)
    ident = identify(gate, body.value, resident_id=body.resident_id)
    checks = Checks(health_code=body.health_code, travel_risk=body.travel_risk, temperature=parse_temperature(body.temperature))
    decision = preview(gate, ident, body.direction, checks)
    household = ident.household
    out = {"status": ident.status, "method": ident.method, "message": ident.error,
           "candidates": [person_out(r) for r in ident.candidates],
           "id_number": ident.id_number[:6] + "********" + ident.id_number[-4:] if ident.id_number else ""}
    if ident.resident is not None:
        out["resident"] = person_out(ident.resident)
    if household is not None and ident.error_rule not in ("pass_other_compound",):
        members = ident.members or list(
            Resident.objects.filter(household=household).exclude(status__in=["moved_out", "deceased"]))
        out_now = list(ResidentPresence.objects.filter(household=household, is_out=True).values_list("resident_id", flat=True))
        out["household"] = {"id": household.pk, "label": f"{household.area.name} {household.room}",
                            "members": [person_out(m) for m in members], "out_now": out_now}
    if decision is not None:
        out["preview"] = decision_out(decision)
    return out


# --- passages ------------------------------------------------------------------------------------

def _record(request, body: PassageIn):
    gate = gate_for(request.user, body.gate_id)
    return record_passage(
        gate=gate, actor=request.user, direction=body.direction, value=body.value, resident_id=body.resident_id,
        visitor=body.visitor.dict() if body.visitor else None, health_code=body.health_code, travel_risk=body.travel_risk,
        temperature=body.temperature, retest_of=body.retest_of, client_id=body.client_id, client_time=body.client_time,
        offline=body.offline.dict() if body.offline else None,
    )


@router.post("/passages", response={200: PassageOut, 201: PassageOut, **ERRORS})
def create_passage(request, body: PassageIn):
    """Identify, decide and record one person at a gate. 201 when recorded; 200 with the stored
    passage when ``client_id`` was already recorded (a retry)."""
    result = _record(request, body)
    return Status(201 if result.created else 200, passage_out(result.passage, result.decision if result.created else None))


class PassageFilters(Schema):
    gate: int | None = Field(None, ge=1, le=MAX_ID)
    day: IsoDate | None = None
    decision: Literal["allowed", "refused"] | None = None
    needs_review: bool | None = None


@router.get("/passages", response={200: list[PassageOut], **ERRORS})
def list_passages(request, filters: Query[PassageFilters]):
    qs = Passage.objects.restrict(request.user).select_related("resident", "visitor", "staff", "overridden_by")
    if filters.gate:
        qs = qs.filter(gate_id=filters.gate)
    if filters.day:
        start, end = stats.day_bounds(filters.day, filters.day)
        qs = qs.filter(at__gte=start, at__lt=end)
    if filters.decision in ("allowed", "refused"):
        qs = qs.filter(decision=filters.decision)
    if filters.needs_review is not None:
        qs = qs.filter(needs_review=filters.needs_review)
    return [passage_out(p) for p in qs.order_by("-at")[:LIST_LIMIT]]


@router.get("/passages/{passage_id}", response={200: PassageOut, **ERRORS})
def get_passage(request, passage_id: RecordId):
    return passage_out(get_scoped_or_404(Passage.objects, request.user, "view", pk=passage_id))


@router.post("/passages/{passage_id}/override", response={200: PassageOut, **ERRORS})
def override(request, passage_id: RecordId, body: OverrideIn):
    """A supervisor lets a refused person through, with a reason (needs the ``override`` right)."""
    passage = get_scoped_or_404(Passage.objects.select_related("gate__compound"), request.user, "view", pk=passage_id)
    if passage.decision != "refused" or passage.overridden_by_id:
        raise Conflict(_("Only a refusal not yet overridden can be overridden."))
    return passage_out(services.override_passage(passage, actor=request.user, reason=body.reason, source="api"))


def _message(exc) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(" ".join(str(m) for m in v) for v in exc.message_dict.values())
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, pydantic.ValidationError):
        return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
    return str(exc) or exc.__class__.__name__


def _batch_item(request, item: dict) -> tuple[str, str, dict | None]:
    kind = item.get("kind", "passage")
    if kind == "passage":
        body = PassageIn.model_validate({k: v for k, v in item.items() if k not in ("kind",)})
        result = _record(request, body)
        data = passage_out(result.passage, result.decision if result.created else None)
        return ("created" if result.created else "duplicate"), "", data
    if kind == "vehicle":
        body = VehicleIn.model_validate({k: v for k, v in item.items() if k not in ("kind", "offline")})
        row, created = _vehicle(request, body, offline=bool(item.get("offline")))
        return ("created" if created else "duplicate"), "", vehicle_out(row)
    if kind == "errand":
        body = ErrandIn.model_validate({k: v for k, v in item.items() if k not in ("kind", "client_time")})
        errand, created = _errand(request, body)
        return ("created" if created else "duplicate"), "", errand_out(errand)
    raise ValidationError({"kind": f"unknown kind {kind!r}: passage, vehicle or errand"})


@router.post("/batch", response={200: GateBatchOut, **ERRORS})
def batch(request, body: GateBatchIn):
    """The gate screen's offline queue (FrontlineQueue). Each item is stored once by its
    ``client_id``; a replay answers ``duplicate`` with the stored outcome; bad input answers
    ``rejected`` with the reason. Server time decides; the phone's ``client_time`` is kept."""
    results = []
    for item in body.items:
        client_id = str(item.get("client_id") or "") if isinstance(item, dict) else ""
        if not client_id or not isinstance(item, dict):
            results.append({"client_id": client_id, "status": "rejected", "message": "client_id is required", "data": None})
            continue
        try:
            status, message, data = _batch_item(request, item)
        except (ValidationError, pydantic.ValidationError, PermissionDenied, Http404, HttpError) as exc:
            status, message, data = "rejected", _message(exc), None
        results.append({"client_id": client_id, "status": status, "message": message,
                        "data": _jsonable(data) if data else None})
    return {"results": results}


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# --- vehicles ------------------------------------------------------------------------------------

def vehicle_out(v) -> dict:
    return {"id": v.pk, "gate_id": v.gate_id, "direction": v.direction, "plate": v.plate, "driver": v.driver,
            "purpose": v.purpose, "decision": v.decision, "reason": v.reason, "at": v.at, "client_time": v.client_time}


def _vehicle(request, body: VehicleIn, offline=False):
    gate = _gate(request, body.gate_id)
    return services.record_vehicle(gate=gate, actor=request.user, direction=body.direction, plate=body.plate,
                                   driver=body.driver, purpose=body.purpose, decision=body.decision, reason=body.reason,
                                   client_id=body.client_id, client_time=body.client_time, offline=offline)


@router.post("/vehicles", response={200: VehicleOut, 201: VehicleOut, **ERRORS})
def create_vehicle(request, body: VehicleIn):
    row, created = _vehicle(request, body)
    return Status(201 if created else 200, vehicle_out(row))


@router.get("/vehicles", response={200: list[VehicleOut], **ERRORS})
def list_vehicles(request, gate: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None):
    qs = VehiclePassage.objects.restrict(request.user)
    if gate:
        qs = qs.filter(gate_id=gate)
    return [vehicle_out(v) for v in qs.order_by("-at")[:LIST_LIMIT]]


# --- exit policy ---------------------------------------------------------------------------------

def policy_out(p) -> dict:
    return {"id": p.pk, "area_id": p.area_id, "area": p.area.name, "mode": p.mode, "quota_people": p.quota_people,
            "quota_days": p.quota_days, "effective_from": p.effective_from, "effective_until": p.effective_until,
            "reason": p.reason, "description": str(p.describe())}


@router.get("/policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request, in_force: bool = False):
    qs = ExitPolicy.objects.restrict(request.user).select_related("area")
    if in_force:
        qs = qs.in_force(timezone.now())
    return [policy_out(p) for p in qs[:LIST_LIMIT]]


@router.post("/policies", response={201: PolicyOut, **ERRORS})
def create_policy(request, body: PolicyIn):
    area = _area(request, body.area_id)
    p = services.set_policy(area=area, mode=body.mode, quota_people=body.quota_people, quota_days=body.quota_days,
                            effective_from=body.effective_from, effective_until=body.effective_until, reason=body.reason,
                            actor=request.user, source="api")
    return Status(201, policy_out(p))


@router.post("/policies/{policy_id}/end", response={200: PolicyOut, **ERRORS})
def end_policy(request, policy_id: RecordId, body: CheckpointReasonIn):
    p = get_scoped_or_404(ExitPolicy.objects.select_related("area"), request.user, "view", pk=policy_id)
    if p.effective_until is not None and p.effective_until <= timezone.now():
        raise Conflict(_("This policy has already ended."))
    return policy_out(services.end_policy(p, reason=body.reason, actor=request.user, source="api"))


# --- exemptions ----------------------------------------------------------------------------------

def exemption_out(e) -> dict:
    return {"id": e.pk, "resident": person_out(e.resident), "kind": e.kind, "evidence": e.evidence,
            "valid_from": e.valid_from, "valid_until": e.valid_until, "revoked_at": e.revoked_at, "revoke_reason": e.revoke_reason}


@router.get("/exemptions", response={200: list[ExemptionOut], **ERRORS})
def list_exemptions(request, valid_now: bool = False, resident: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None):
    qs = Exemption.objects.restrict(request.user).select_related("resident")
    if valid_now:
        qs = qs.valid_at(timezone.now())
    if resident:
        qs = qs.filter(resident_id=resident)
    return [exemption_out(e) for e in qs[:LIST_LIMIT]]


@router.post("/exemptions", response={201: ExemptionOut, **ERRORS})
def create_exemption(request, body: ExemptionIn):
    resident = _resident(request, body.resident_id)
    e = services.grant_exemption(resident=resident, kind=body.kind, evidence=body.evidence, valid_from=body.valid_from,
                                 valid_until=body.valid_until, actor=request.user, source="api")
    return Status(201, exemption_out(e))


@router.post("/exemptions/{exemption_id}/revoke", response={200: ExemptionOut, **ERRORS})
def revoke_exemption(request, exemption_id: RecordId, body: CheckpointReasonIn):
    e = get_scoped_or_404(Exemption.objects.select_related("resident__household__area"), request.user, "view", pk=exemption_id)
    if e.revoked_at:
        raise Conflict(_("Already revoked."))
    return exemption_out(validity.revoke(e, reason=body.reason, actor=request.user, source="api"))


# --- passes --------------------------------------------------------------------------------------

def pass_out(p) -> dict:
    return {"id": p.pk, "number": p.number, "household_id": p.household_id, "household": str(p.household),
            "valid_from": p.valid_from, "valid_until": p.valid_until, "revoked_at": p.revoked_at,
            "revoke_reason": p.revoke_reason, "token": tokens.pass_token(p)}


@router.get("/passes", response={200: list[PassOut], **ERRORS})
def list_passes(request, household: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None):
    qs = Pass.objects.restrict(request.user).select_related("household__area")
    if household:
        qs = qs.filter(household_id=household)
    return [pass_out(p) for p in qs[:LIST_LIMIT]]


@router.post("/passes", response={201: PassOut, **ERRORS})
def create_pass(request, body: PassIn):
    household = get_scoped_or_404(Household.objects.select_related("area"), request.user, "view", pk=body.household_id)
    p = services.issue_pass(household=household, valid_from=body.valid_from, valid_until=body.valid_until,
                            actor=request.user, source="api")
    return Status(201, pass_out(p))


@router.post("/passes/{pass_id}/revoke", response={200: PassOut, **ERRORS})
def revoke_pass(request, pass_id: RecordId, body: CheckpointReasonIn):
    p = get_scoped_or_404(Pass.objects.select_related("household__area"), request.user, "view", pk=pass_id)
    if p.revoked_at:
        raise Conflict(_("Already revoked."))
    return pass_out(validity.revoke(p, reason=body.reason, actor=request.user, source="api"))


# --- errands (seam; home isolation moved to /api/v1/isolation/) --------------------------------


def errand_out(e) -> dict:
    return {"id": e.pk, "resident": person_out(e.resident), "what": e.what, "status": e.status,
            "passage_id": e.passage_id, "created_at": e.created_at}


def _errand(request, body: ErrandIn):
    resident = _resident(request, body.resident_id)
    passage = None
    if body.passage_id:
        passage = get_scoped_or_404(Passage.objects, request.user, "view", pk=body.passage_id)
    return services.log_errand(resident=resident, what=body.what, actor=request.user, passage=passage,
                               client_id=body.client_id, source="api")


@router.post("/errands", response={200: ErrandOut, 201: ErrandOut, **ERRORS})
def create_errand(request, body: ErrandIn):
    errand, created = _errand(request, body)
    return Status(201 if created else 200, errand_out(errand))


@router.get("/errands", response={200: list[ErrandOut], **ERRORS})
def list_errands(request, status: Literal["open", "done", "cancelled"] | None = None):
    qs = ErrandRequest.objects.restrict(request.user).select_related("resident")
    if status:
        qs = qs.filter(status=status)
    return [errand_out(e) for e in qs[:LIST_LIMIT]]


# --- venues and scans ----------------------------------------------------------------------------

def venue_out(v) -> dict:
    return {"id": v.pk, "name": v.name, "kind": v.kind, "area_id": v.area_id, "gate_id": v.gate_id, "token": tokens.venue_token(v)}


@router.get("/venues", response={200: list[VenueOut], **ERRORS})
def list_venues(request):
    return [venue_out(v) for v in Venue.objects.restrict(request.user)[:LIST_LIMIT]]


@router.post("/venues", response={201: VenueOut, **ERRORS})
def create_venue(request, body: VenueIn):
    area = _area(request, body.area_id)
    return Status(201, venue_out(services.create_venue(area=area, name=body.name, kind=body.kind, actor=request.user, source="api")))


def scan_out(s) -> dict:
    return {"id": s.pk, "venue_id": s.venue_id, "scanned_at": s.scanned_at, "client_time": s.client_time,
            "resident_id": s.resident_id}


def _scan(request, body: VenueScanIn):
    venue = services.venue_from_token(body.venue_token)
    if not Venue.objects.restrict(request.user).filter(pk=venue.pk).exists():
        raise Http404
    return services.record_scan(venue=venue, actor=request.user, id_number=body.id_number, phone=body.phone,
                                resident_token=body.resident_token, client_id=body.client_id, client_time=body.client_time)


@router.post("/scans", response={200: VenueScanOut, 201: VenueScanOut, **ERRORS})
def create_scan(request, body: VenueScanIn):
    """One check-in from a venue-code app: the venue code's content and the person."""
    scan, created = _scan(request, body)
    return Status(201 if created else 200, scan_out(scan))


@router.post("/scans/batch", response={200: GateBatchOut, **ERRORS})
def scan_batch(request, body: GateBatchIn):
    """Check-ins queued by a venue-code app (the FrontlineQueue contract)."""
    results = []
    for item in body.items:
        client_id = str(item.get("client_id") or "") if isinstance(item, dict) else ""
        if not client_id:
            results.append({"client_id": client_id, "status": "rejected", "message": "client_id is required", "data": None})
            continue
        try:
            scan, created = _scan(request, VenueScanIn.model_validate(item))
            results.append({"client_id": client_id, "status": "created" if created else "duplicate", "message": "",
                            "data": _jsonable(scan_out(scan))})
        except (ValidationError, pydantic.ValidationError, PermissionDenied, Http404) as exc:
            results.append({"client_id": client_id, "status": "rejected", "message": _message(exc), "data": None})
    return {"results": results}


@router.get("/scans/{scan_id}/contacts", response={200: list[VenueContactOut], **ERRORS})
def scan_contacts(request, scan_id: RecordId, minutes: Annotated[int, Query(30, ge=1, le=1440)] = 30):
    """Everyone at the same venue within ±``minutes`` of this check-in (one index range)."""
    scan = get_scoped_or_404(VenueScan.objects, request.user, "view", pk=scan_id)
    if not 1 <= minutes <= 24 * 60:
        raise ValidationError({"minutes": "between 1 and 1440"})
    found = contacts.venue_contacts(scan.venue_id, scan.scanned_at, minutes, exclude_person=scan.person_hash)
    found = found.select_related("resident").order_by("scanned_at")[:1000]
    visible = set(Resident.objects.restrict(request.user).filter(pk__in=[s.resident_id for s in found if s.resident_id])
                  .values_list("pk", flat=True))
    return [{"scan_id": s.pk, "venue_id": s.venue_id, "scanned_at": s.scanned_at,
             "resident": person_out(s.resident) if s.resident_id in visible else None} for s in found]


# --- statistics ----------------------------------------------------------------------------------

@router.get("/stats", response={200: list[GateStatsRow], **ERRORS})
def gate_stats(request, date_from: IsoDate | None = None, date_to: IsoDate | None = None,
               gate: Annotated[int | None, Query(None, ge=1, le=MAX_ID)] = None):
    """Per gate and day: passages in/out, refusals by rule, fevers, overrides, visitors, vehicles."""
    today = timezone.localdate()
    date_to = date_to or today
    date_from = date_from or date_to - datetime.timedelta(days=6)
    if date_from > date_to or (date_to - date_from).days > 366:
        raise ValidationError({"date_from": "date_from must be before date_to, at most a year apart"})
    if gate:
        get_object_or_404(Gate.objects.restrict(request.user), pk=gate)
    rows = stats.gate_day_stats(request.user, date_from, date_to, [gate] if gate else None)
    return [{"gate_id": r["gate_id"], "gate": str(r["gate"]), "day": r["day"], "passages_in": r["in"], "passages_out": r["out"],
             "refused": r["refused"], "refusals_by_rule": r["refusals"], "fevers": r["fevers"], "overrides": r["overrides"],
             "visitors": r["visitors"], "vehicles": r["vehicles"], "decided_offline": r["offline"], "needs_review": r["review"]}
            for r in rows]

