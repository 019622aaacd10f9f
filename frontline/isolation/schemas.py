"""Bodies and answers of /api/v1/isolation. Names are masked (core.personal.mask_name); no ID
number or phone travels in these answers."""

import datetime
import re
import uuid
from typing import Annotated, Literal

from ninja import Field
from pydantic import BeforeValidator, StrictInt

from frontline.core.apikit import BodyId, BodySchema, OptionalId, Out, text
from frontline.core.personal import mask_name

from .models import CheckIn, IsolationCase

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_text(value):
    # pydantic's lax mode would take 0 (seconds since 1970) for a moment: only ISO 8601 text.
    if isinstance(value, datetime.datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise ValueError("write it as ISO 8601 text, e.g. 2022-01-05T08:30:00+08:00")


IsoDateTime = Annotated[datetime.datetime, BeforeValidator(_iso_text)]

Kind = Literal["home", "centralized", "monitoring"]
Reason = Literal["close_contact", "secondary_contact", "returnee", "parcel", "positive", "other"]
Symptom = Literal[tuple(CheckIn.SYMPTOMS)]  # type: ignore[valid-type]


class CaseIn(BodySchema):
    resident_id: BodyId
    kind: Kind = "home"
    reason: Reason
    source_text: text(200) = ""
    start: IsoDateTime | None = None
    planned_end: IsoDateTime | None = None
    days: StrictInt | None = Field(None, ge=1, le=60)
    policy_notes: text(2000) = ""


class CheckInIn(BodySchema):
    temperature: text(10) | None = Field(None, description="°C as typed; 3.73 or 373 is refused as a typing error.")
    symptoms: list[Symptom] = Field(default_factory=list, max_length=10)
    antigen: Literal["", "negative", "positive"] = ""
    note: text(300) = ""
    at: IsoDateTime | None = None
    client_id: uuid.UUID | None = Field(None, description="Made on the phone: a replay returns the stored check-in (200).")


class ReleaseIn(BodySchema):
    reason: text(300) = Field("", description="Required without a negative result since the start (an override).")


class TransferIn(BodySchema):
    site_id: BodyId
    at: IsoDateTime | None = None
    escort_id: OptionalId = None
    escort_note: text(100) = ""
    vehicle: text(40) = ""
    override_reason: text(300) = Field("", description="Required when the site is full.")


class ResidentRef(Out):
    id: int
    name: str
    household_id: int


class CheckInOut(Out):
    id: int
    case_id: int
    at: datetime.datetime
    temperature: str | None
    symptoms: list[str]
    antigen: str
    note: str
    source: str
    client_id: uuid.UUID
    alarming: bool


class TransferOut(Out):
    id: int
    case_id: int
    site_id: int
    site: str
    at: datetime.datetime
    escort_id: int | None
    vehicle: str
    confirmed_at: datetime.datetime | None
    override_reason: str


class CaseOut(Out):
    id: int
    resident: ResidentRef
    kind: str
    reason: str
    source_text: str
    start: datetime.datetime
    planned_end: datetime.datetime
    days_remaining: int
    status: str
    site_id: int | None
    policy_notes: str
    released_at: datetime.datetime | None
    release_reason: str
    release_override: bool
    checked_in_today: bool | None = None
    fever: bool | None = None


def case_out(case: IsolationCase, now=None) -> dict:
    r = case.resident
    data = {
        "id": case.pk, "resident": {"id": r.pk, "name": mask_name(r.name), "household_id": r.household_id},
        "kind": case.kind, "reason": case.reason, "source_text": case.source_text, "start": case.start,
        "planned_end": case.planned_end, "days_remaining": case.days_remaining(now), "status": case.status,
        "site_id": case.site_id, "policy_notes": case.policy_notes, "released_at": case.released_at,
        "release_reason": case.release_reason, "release_override": case.release_override,
    }
    if hasattr(case, "checked_today"):
        data.update(checked_in_today=case.checked_today, fever=case.fever)
    return data


def checkin_out(k: CheckIn) -> dict:
    return {"id": k.pk, "case_id": k.case_id, "at": k.at, "temperature": str(k.temperature) if k.temperature is not None else None,
            "symptoms": list(k.symptoms or []), "antigen": k.antigen, "note": k.note, "source": k.source,
            "client_id": k.client_id, "alarming": k.is_alarming}


def transfer_out(t) -> dict:
    return {"id": t.pk, "case_id": t.case_id, "site_id": t.site_id, "site": t.site.name, "at": t.at, "escort_id": t.escort_id,
            "vehicle": t.vehicle, "confirmed_at": t.confirmed_at, "override_reason": t.override_reason}
