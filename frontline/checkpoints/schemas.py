"""Request and response shapes of /api/v1/checkpoints, and the functions that fill them."""

import datetime
import re
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, StrictBool, StrictInt

from frontline.core.apikit import NO_NUL, NOTES_PATTERN, BodySchema, LocalDateTime, LocalTime

from .decisions import mask_name
from .policy import rule_label

Direction = Literal["in", "out"]
HealthCode = Literal["", "green", "yellow", "red"]
MAX_ID = 2**53


_ISO_SHAPES = {
    datetime.datetime: (re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "2026-01-05T08:30:00+08:00"),
    datetime.date: (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "2026-01-05"),
    datetime.time: (re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"), "08:30"),
}


def _text_only(kind):
    shape, example = _ISO_SHAPES[kind]

    def check(value):
        if isinstance(value, kind) or (isinstance(value, str) and shape.match(value)):
            return value
        raise ValueError(f"write it as ISO 8601 text, e.g. {example}")

    return check


# An offset is converted to local time (Asia/Shanghai), never dropped (core/apikit.py).
IsoDateTime = Annotated[LocalDateTime, BeforeValidator(_text_only(datetime.datetime))]
IsoTime = Annotated[LocalTime, BeforeValidator(_text_only(datetime.time))]
IsoDate = Annotated[datetime.date, BeforeValidator(_text_only(datetime.date))]

# The one input of the gate screen: a QR token, an ID number, a phone, a name or pinyin.
VALUE_DESC = "What the scanner read or the staff typed: resident QR, paper pass QR, ID number, phone, name or pinyin."


class GateIn(BodySchema):
    compound_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=60, pattern=NO_NUL)
    opens_at: IsoTime | None = None
    closes_at: IsoTime | None = None
    notes: str = Field("", max_length=2000, pattern=NOTES_PATTERN)


class GatePatch(BodySchema):
    name: str | None = Field(None, min_length=1, max_length=60, pattern=NO_NUL)
    opens_at: IsoTime | None = None
    closes_at: IsoTime | None = None
    active: StrictBool | None = None
    notes: str | None = Field(None, max_length=2000, pattern=NOTES_PATTERN)


class GateOut(Schema):
    id: int
    name: str
    compound_id: int
    compound: str
    opens_at: datetime.time | None
    closes_at: datetime.time | None
    active: bool
    venue_id: int | None
    open_now: bool


class GatePersonOut(Schema):
    id: int
    name: str = Field(description="Masked: 曾*明.")
    id_number: str = Field(description="Masked: 610103********123X.")
    relation: str
    age: int | None
    household_id: int


class GateHouseholdOut(Schema):
    id: int
    label: str
    members: list[GatePersonOut]
    out_now: list[int] = Field(description="Ids of the members who are out now.")


class GateDecisionOut(Schema):
    decision: Literal["allowed", "refused"]
    rule: str
    rule_label: str
    reason: str
    warnings: list[str] = []
    offer_errand: bool = False
    remeasure_after: datetime.datetime | None = None


class IdentifyIn(BodySchema):
    value: str = Field("", max_length=600, description=VALUE_DESC, pattern=NO_NUL)
    direction: Direction = "out"
    resident_id: StrictInt | None = Field(None, ge=1, le=MAX_ID, description="The member chosen among candidates or a pass's household.")
    health_code: HealthCode = ""
    travel_risk: StrictBool = False
    temperature: str | None = Field(None, max_length=10, pattern=NO_NUL)


class IdentifyOut(Schema):
    status: Literal["resident", "choose", "choose_member", "unknown", "refused", "error"]
    method: str
    message: str = ""
    resident: GatePersonOut | None = None
    household: GateHouseholdOut | None = None
    candidates: list[GatePersonOut] = []
    preview: GateDecisionOut | None = None
    id_number: str = Field("", description="A valid ID number not found in this compound (masked), for the visitor form.")


class VisitorIn(BodySchema):
    name: str = Field(..., min_length=1, max_length=60, pattern=NO_NUL)
    kind: Literal["visitor", "delivery"] = "visitor"
    phone: str = Field("", max_length=30, pattern=NO_NUL)
    reason: str = Field("", max_length=200, pattern=NO_NUL)
    host_household: StrictInt | None = Field(None, ge=1, le=MAX_ID)


class OfflineDecisionIn(BodySchema):
    decision: Literal["allowed", "refused"]
    rule: str = Field("", max_length=30, pattern=NO_NUL)
    reason: str = Field("", max_length=300, pattern=NO_NUL)


class PassageIn(BodySchema):
    gate_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    direction: Direction
    value: str = Field("", max_length=600, description=VALUE_DESC, pattern=NO_NUL)
    resident_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    visitor: VisitorIn | None = None
    health_code: HealthCode = ""
    travel_risk: StrictBool = False
    temperature: str | None = Field(None, max_length=10, description="°C as typed; 3.73 or 373 is refused as a typing error.", pattern=NO_NUL)
    retest_of: str | None = Field(None, max_length=40, pattern=NO_NUL, description="The fever passage re-measured (id or client id).")
    client_id: str | None = Field(None, max_length=40, description="A UUID made by the phone; a replay returns the stored passage.", pattern=NO_NUL)
    client_time: IsoDateTime | None = None
    offline: OfflineDecisionIn | None = Field(None, description="The decision the gate made offline from its snapshot.")


class PassageOut(Schema):
    id: int
    client_id: str | None
    gate_id: int
    direction: str
    at: datetime.datetime
    client_time: datetime.datetime | None
    method: str
    resident: GatePersonOut | None
    visitor: str | None
    household_id: int | None
    health_code: str
    travel_risk: bool
    temperature: str | None
    first_temperature: str | None
    decision: str
    effective_decision: str
    rule: str
    rule_label: str
    reason: str
    overridden_by: str | None
    override_reason: str
    decided_offline: bool
    needs_review: bool
    server_rule: str
    staff: str | None
    warnings: list[str] = []
    offer_errand: bool = False
    remeasure_after: datetime.datetime | None = None


class OverrideIn(BodySchema):
    reason: str = Field(..., min_length=1, max_length=300, pattern=NO_NUL)


class GateBatchIn(BodySchema):
    items: list[dict] = Field(..., max_length=500, description="Queued submissions: passages, vehicles or errands (``kind``).")


class GateBatchResult(Schema):
    client_id: str
    status: Literal["created", "duplicate", "rejected"]
    message: str = ""
    data: dict | None = None


class GateBatchOut(Schema):
    results: list[GateBatchResult]


class VehicleIn(BodySchema):
    gate_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    direction: Direction
    plate: str = Field(..., min_length=1, max_length=20, pattern=NO_NUL)
    driver: str = Field("", max_length=60, pattern=NO_NUL)
    purpose: str = Field(..., min_length=1, max_length=200, pattern=NO_NUL)
    decision: Literal["allowed", "refused"] = "allowed"
    reason: str = Field("", max_length=300, pattern=NO_NUL)
    client_id: str | None = Field(None, max_length=40, pattern=NO_NUL)
    client_time: IsoDateTime | None = None


class VehicleOut(Schema):
    id: int
    gate_id: int
    direction: str
    plate: str
    driver: str
    purpose: str
    decision: str
    reason: str
    at: datetime.datetime
    client_time: datetime.datetime | None


class PolicyIn(BodySchema):
    area_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    mode: Literal["normal", "controlled", "sealed"]
    quota_people: StrictInt | None = Field(None, ge=1, le=50)
    quota_days: StrictInt | None = Field(None, ge=1, le=60)
    effective_from: IsoDateTime | None = None
    effective_until: IsoDateTime | None = None
    reason: str = Field(..., min_length=1, max_length=300, pattern=NO_NUL)


class PolicyOut(Schema):
    id: int
    area_id: int
    area: str
    mode: str
    quota_people: int | None
    quota_days: int | None
    effective_from: datetime.datetime
    effective_until: datetime.datetime | None
    reason: str
    description: str


class CheckpointReasonIn(BodySchema):
    reason: str = Field(..., min_length=1, max_length=300, pattern=NO_NUL)


class ExemptionIn(BodySchema):
    resident_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    kind: Literal["exam", "medical", "essential", "emergency"]
    evidence: str = Field(..., min_length=1, max_length=200, pattern=NO_NUL)
    valid_from: IsoDateTime
    valid_until: IsoDateTime


class ExemptionOut(Schema):
    id: int
    resident: GatePersonOut
    kind: str
    evidence: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    revoked_at: datetime.datetime | None
    revoke_reason: str


class PassIn(BodySchema):
    household_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    valid_from: IsoDateTime | None = None
    valid_until: IsoDateTime


class PassOut(Schema):
    id: int
    number: str
    household_id: int
    household: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime
    revoked_at: datetime.datetime | None
    revoke_reason: str
    token: str = Field(description="The signed QR content.")


class ErrandIn(BodySchema):
    resident_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    what: str = Field("", max_length=300, pattern=NO_NUL)
    passage_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    client_id: str | None = Field(None, max_length=40, pattern=NO_NUL)


class ErrandOut(Schema):
    id: int
    resident: GatePersonOut
    what: str
    status: str
    passage_id: int | None
    created_at: datetime.datetime


class VenueIn(BodySchema):
    area_id: StrictInt = Field(..., ge=1, le=MAX_ID)
    name: str = Field(..., min_length=1, max_length=100, pattern=NO_NUL)
    kind: Literal["shop", "other"] = "shop"


class VenueOut(Schema):
    id: int
    name: str
    kind: str
    area_id: int
    gate_id: int | None
    token: str


class VenueScanIn(BodySchema):
    venue_token: str = Field(..., min_length=1, max_length=300, description="The venue code's content (FLV1.…).", pattern=NO_NUL)
    id_number: str = Field("", max_length=40, pattern=NO_NUL)
    phone: str = Field("", max_length=30, pattern=NO_NUL)
    resident_token: str = Field("", max_length=300, pattern=NO_NUL)
    client_id: str | None = Field(None, max_length=40, pattern=NO_NUL)
    client_time: IsoDateTime | None = None


class VenueScanOut(Schema):
    id: int
    venue_id: int
    scanned_at: datetime.datetime
    client_time: datetime.datetime | None
    resident_id: int | None


class VenueContactOut(Schema):
    scan_id: int
    venue_id: int
    scanned_at: datetime.datetime
    resident: GatePersonOut | None


class GateStatsRow(Schema):
    gate_id: int
    gate: str
    day: datetime.date
    passages_in: int
    passages_out: int
    refused: int
    refusals_by_rule: dict[str, int]
    fevers: int
    overrides: int
    visitors: int
    vehicles: int
    decided_offline: int
    needs_review: int


# --- filling them -----------------------------------------------------------------------------

def person_out(resident) -> dict:
    return {
        "id": resident.pk, "name": mask_name(resident.name), "id_number": resident.id_number_masked,
        "relation": resident.relation, "age": resident.age(), "household_id": resident.household_id,
    }


def decision_out(decision) -> dict:
    return {
        "decision": decision.decision, "rule": decision.rule, "rule_label": rule_label(decision.rule),
        "reason": str(decision.reason), "warnings": [str(w) for w in decision.warnings],
        "offer_errand": decision.offer_errand, "remeasure_after": decision.remeasure_after,
    }


def passage_out(p, decision=None) -> dict:
    data = {
        "id": p.pk, "client_id": str(p.client_id) if p.client_id else None, "gate_id": p.gate_id, "direction": p.direction,
        "at": p.at, "client_time": p.client_time, "method": p.method,
        "resident": person_out(p.resident) if p.resident_id else None,
        "visitor": mask_name(p.visitor.name) if p.visitor_id else None, "household_id": p.household_id,
        "health_code": p.health_code, "travel_risk": p.travel_risk,
        "temperature": str(p.temperature) if p.temperature is not None else None,
        "first_temperature": str(p.first_temperature) if p.first_temperature is not None else None,
        "decision": p.decision, "effective_decision": p.effective_decision, "rule": p.rule, "rule_label": rule_label(p.rule),
        "reason": p.reason, "overridden_by": str(p.overridden_by) if p.overridden_by_id else None,
        "override_reason": p.override_reason, "decided_offline": p.decided_offline, "needs_review": p.needs_review,
        "server_rule": p.server_rule, "staff": str(p.staff) if p.staff_id else None,
    }
    if decision is not None:
        data.update(warnings=[str(w) for w in decision.warnings], offer_errand=decision.offer_errand,
                    remeasure_after=decision.remeasure_after)
    else:
        data.update(offer_errand=p.rule == "home_isolation" and not p.overridden_by_id)
    return data


class PassageReviewIn(BodySchema):
    """A questioned passage looked at after an offline sync (the gate's review list)."""

    note: str = Field("", max_length=300, pattern=NO_NUL)
