"""Request and response shapes of /api/v1/staffing, and the functions that fill them. Phones
leave masked; names of staff on duty are shown as on the wall roster."""

import datetime
from typing import Literal

from ninja import Field
from pydantic import StrictInt

from frontline.checkpoints.schemas import IsoDate, IsoDateTime, IsoTime
from frontline.core.apikit import NAME_PATTERN, NO_NUL, BodySchema, Out

from .models import SKILL_CODES, Post, SendingUnit, StaffMember

MAX_ID = 2**53
Id = Field(..., ge=1, le=MAX_ID)
Skill = Literal[SKILL_CODES]  # type: ignore[valid-type]


class UnitIn(BodySchema):
    area_id: StrictInt = Id
    name: str = Field(..., max_length=100, pattern=NAME_PATTERN)
    level: Literal[tuple(SendingUnit.Level.values)] = "city"  # type: ignore[valid-type]
    contact: str = Field("", max_length=60, pattern=NO_NUL)
    contact_phone: str = Field("", max_length=20, pattern=r"^[0-9+\- ]*$")


class UnitOut(Out):
    id: int
    area_id: int
    name: str
    level: str
    contact: str
    contact_phone: str


class MemberIn(BodySchema):
    area_id: StrictInt = Id
    name: str = Field(..., max_length=60, pattern=NAME_PATTERN)
    kind: Literal[tuple(StaffMember.Kind.values)] = "cadre"  # type: ignore[valid-type]
    unit_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    phone: str = Field("", max_length=20, pattern=r"^[0-9+\- ]*$")
    skills: list[Skill] = Field(default_factory=list, max_length=4)
    home_address: str = Field("", max_length=200, pattern=NO_NUL)
    notes: str = Field("", max_length=2000, pattern=NO_NUL)


class MemberOut(Out):
    id: int
    area_id: int
    name: str
    kind: str
    unit_id: int | None
    phone: str
    skills: list[str]
    checked_in: bool


class CheckInIn(BodySchema):
    community_id: StrictInt = Id
    received_by: str = Field(..., max_length=60, pattern=NAME_PATTERN)
    batch_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    at: IsoDateTime | None = None


class CheckInOut(Out):
    id: int
    member_id: int
    community_id: int
    batch_id: int | None
    checked_in_at: datetime.datetime
    received_by: str
    released_at: datetime.datetime | None


class UnavailabilityIn(BodySchema):
    starts_on: IsoDate
    ends_on: IsoDate
    reason: str = Field(..., max_length=200, pattern=NAME_PATTERN)


class UnavailabilityOut(Out):
    id: int
    member_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str


class PostIn(BodySchema):
    area_id: StrictInt = Id
    name: str = Field(..., max_length=80, pattern=NAME_PATTERN)
    kind: Literal[tuple(Post.Kind.values)] = "gate"  # type: ignore[valid-type]
    gate_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    notes: str = Field("", max_length=2000, pattern=NO_NUL)


class NeedIn(BodySchema):
    weekday: StrictInt | None = Field(None, ge=0, le=6)
    start: IsoTime
    end: IsoTime
    people: StrictInt = Field(1, ge=1, le=50)
    skill: Literal[("", *SKILL_CODES)] = ""  # type: ignore[valid-type]
    skill_people: StrictInt = Field(0, ge=0, le=50)


class NeedOut(Out):
    id: int
    weekday: int | None
    start: datetime.time
    end: datetime.time
    people: int
    skill: str
    skill_people: int


class PostOut(Out):
    id: int
    area_id: int
    name: str
    kind: str
    gate_id: int | None
    active: bool
    needs: list[NeedOut]


class RosterIn(BodySchema):
    area_id: StrictInt = Id
    starts_on: IsoDate
    days: StrictInt = Field(7, ge=1, le=31)
    max_night_shifts: StrictInt = Field(3, ge=0, le=31)
    time_limit: StrictInt = Field(10, ge=1, le=300)


class HoleOut(Out):
    slot: str
    label: str
    needed: int
    filled: int
    reasons: list[str]


class RosterOut(Out):
    id: int
    area_id: int
    starts_on: datetime.date
    ends_on: datetime.date
    status: str
    max_night_shifts: int
    solver_status: str
    objective: float | None
    gap: float | None
    breakdown: dict
    holes: list[HoleOut]
    conflicting_rules: list[str]


class ShiftOut(Out):
    id: int
    post_id: int
    post: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    member_id: int | None
    member: str
    edited: bool


class AssignIn(BodySchema):
    member_id: StrictInt | None = Field(None, ge=1, le=MAX_ID)
    reason: str = Field("", max_length=300, pattern=NO_NUL)


class ViolationOut(Out):
    rule: str
    slot: str
    person: int | None
    message: str


class AssignOut(Out):
    shift: ShiftOut
    violations: list[ViolationOut]


def unit_out(u) -> dict:
    return {"id": u.pk, "area_id": u.area_id, "name": u.name, "level": u.level, "contact": u.contact,
            "contact_phone": u.contact_phone_masked}


def member_out(m, checked_in=False) -> dict:
    return {"id": m.pk, "area_id": m.area_id, "name": m.name, "kind": m.kind, "unit_id": m.unit_id,
            "phone": m.phone_masked, "skills": list(m.skills or ()), "checked_in": checked_in}


def checkin_out(c) -> dict:
    return {"id": c.pk, "member_id": c.member_id, "community_id": c.community_id, "batch_id": c.batch_id,
            "checked_in_at": c.checked_in_at, "received_by": c.received_by, "released_at": c.released_at}


def need_out(n) -> dict:
    return {"id": n.pk, "weekday": n.weekday, "start": n.start, "end": n.end, "people": n.people, "skill": n.skill,
            "skill_people": n.skill_people}


def post_out(p) -> dict:
    return {"id": p.pk, "area_id": p.area_id, "name": p.name, "kind": p.kind, "gate_id": p.gate_id, "active": p.active,
            "needs": [need_out(n) for n in p.needs.all()]}


def roster_out(r) -> dict:
    return {"id": r.pk, "area_id": r.area_id, "starts_on": r.starts_on, "ends_on": r.ends_on, "status": r.status,
            "max_night_shifts": r.max_night_shifts, "solver_status": r.solver_status, "objective": r.objective,
            "gap": r.gap, "breakdown": r.breakdown, "holes": r.holes, "conflicting_rules": r.conflicting_rules}


def shift_out(s) -> dict:
    return {"id": s.pk, "post_id": s.post_id, "post": s.post.name, "starts_at": s.starts_at, "ends_at": s.ends_at,
            "member_id": s.member_id, "member": s.member.name if s.member_id else "", "edited": s.edited}


def violation_out(v) -> dict:
    return {"rule": v.rule, "slot": v.slot, "person": v.person, "message": v.message}
