"""/api/v1/staffing: sending units, staff members (check-in, unavailability), posts and their
needs, rosters (generate, publish, the roster as JSON), shifts (assign one, with the rules it
breaks). Scoped like every record: outside your areas is 404, inside but not your role's is 403."""

from typing import Annotated

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Path, Router, Status

from frontline.api import ERRORS
from frontline.areas.models import Area
from frontline.checkpoints.models import Gate
from frontline.core.scoping import get_scoped_or_404

from . import problem, services
from .models import CheckIn, DeploymentBatch, Post, Roster, SendingUnit, Shift, StaffMember
from .schemas import (
    MAX_ID,
    AssignIn,
    AssignOut,
    CheckInIn,
    CheckInOut,
    MemberIn,
    MemberOut,
    NeedIn,
    NeedOut,
    PostIn,
    PostOut,
    RosterIn,
    RosterOut,
    ShiftOut,
    UnavailabilityIn,
    UnavailabilityOut,
    UnitIn,
    UnitOut,
    checkin_out,
    member_out,
    need_out,
    post_out,
    roster_out,
    shift_out,
    unit_out,
    violation_out,
)

RecordId = Annotated[int, Path(..., ge=1, le=MAX_ID)]
router = Router(tags=["staffing"])
LIMIT = 500


def _area(request, area_id, action="view"):
    return get_scoped_or_404(Area.objects, request.user, action, pk=area_id)


def _optional(model, request, pk, field):
    if pk is None:
        return None
    obj = model.objects.restrict(request.user).filter(pk=pk).first()
    if obj is None:
        raise ValidationError({field: _("No such record in your areas.")})
    return obj


# --- units --------------------------------------------------------------------------------------

@router.get("/units", response={200: list[UnitOut], **ERRORS})
def list_units(request):
    return [unit_out(u) for u in SendingUnit.objects.restrict(request.user)[:LIMIT]]


@router.post("/units", response={201: UnitOut, **ERRORS})
def create_unit(request, body: UnitIn):
    area = _area(request, body.area_id)
    unit = services.create_unit(area=area, name=body.name, level=body.level, contact=body.contact,
                                contact_phone=body.contact_phone, actor=request.user, source="api")
    return Status(201, unit_out(unit))


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS})
def get_unit(request, unit_id: RecordId):
    return unit_out(get_scoped_or_404(SendingUnit.objects, request.user, "view", pk=unit_id))


# --- members ------------------------------------------------------------------------------------

@router.get("/members", response={200: list[MemberOut], **ERRORS})
def list_members(request):
    members = list(StaffMember.objects.restrict(request.user)[:LIMIT])
    open_ids = set(CheckIn.objects.filter(member__in=members, released_at__isnull=True).values_list("member_id", flat=True))
    return [member_out(m, m.pk in open_ids) for m in members]


@router.post("/members", response={201: MemberOut, **ERRORS})
def create_member(request, body: MemberIn):
    area = _area(request, body.area_id)
    unit = _optional(SendingUnit, request, body.unit_id, "unit_id")
    member = services.create_member(area=area, name=body.name, kind=body.kind, unit=unit, phone=body.phone,
                                    skills=list(body.skills), home_address=body.home_address, notes=body.notes,
                                    actor=request.user, source="api")
    return Status(201, member_out(member))


def _member(request, member_id):
    return get_scoped_or_404(StaffMember.objects.select_related("area"), request.user, "view", pk=member_id)


@router.get("/members/{member_id}", response={200: MemberOut, **ERRORS})
def get_member(request, member_id: RecordId):
    member = _member(request, member_id)
    return member_out(member, member.checkins.filter(released_at__isnull=True).exists())


@router.post("/members/{member_id}/checkins", response={201: CheckInOut, **ERRORS})
def check_in(request, member_id: RecordId, body: CheckInIn):
    """报到. Refused (422) for a person already checked in, naming where."""
    member = _member(request, member_id)
    community = _area(request, body.community_id)
    batch = _optional(DeploymentBatch, request, body.batch_id, "batch_id")
    checkin = services.check_in(member=member, community=community, batch=batch, at=body.at,
                                received_by=body.received_by, actor=request.user, source="api")
    return Status(201, checkin_out(checkin))


@router.post("/members/{member_id}/unavailability", response={201: UnavailabilityOut, **ERRORS})
def add_unavailability(request, member_id: RecordId, body: UnavailabilityIn):
    member = _member(request, member_id)
    item = services.add_unavailability(member=member, starts_on=body.starts_on, ends_on=body.ends_on,
                                       reason=body.reason, actor=request.user, source="api")
    return Status(201, {"id": item.pk, "member_id": member.pk, "starts_on": item.starts_on, "ends_on": item.ends_on,
                        "reason": item.reason})


# --- posts --------------------------------------------------------------------------------------

@router.get("/posts", response={200: list[PostOut], **ERRORS})
def list_posts(request):
    return [post_out(p) for p in Post.objects.restrict(request.user).prefetch_related("needs")[:LIMIT]]


@router.post("/posts", response={201: PostOut, **ERRORS})
def create_post(request, body: PostIn):
    area = _area(request, body.area_id)
    gate = _optional(Gate, request, body.gate_id, "gate_id")
    post = services.create_post(area=area, name=body.name, kind=body.kind, gate=gate, notes=body.notes,
                                actor=request.user, source="api")
    return Status(201, post_out(post))


@router.get("/posts/{post_id}", response={200: PostOut, **ERRORS})
def get_post(request, post_id: RecordId):
    return post_out(get_scoped_or_404(Post.objects, request.user, "view", pk=post_id))


@router.post("/posts/{post_id}/needs", response={201: NeedOut, **ERRORS})
def add_need(request, post_id: RecordId, body: NeedIn):
    """A time slot of the post; one that overlaps another of the same post is refused (422)."""
    post = get_scoped_or_404(Post.objects.select_related("area"), request.user, "view", pk=post_id)
    need = services.add_need(post=post, weekday=body.weekday, start=body.start, end=body.end, people=body.people,
                             skill=body.skill, skill_people=body.skill_people, actor=request.user, source="api")
    return Status(201, need_out(need))


# --- rosters ------------------------------------------------------------------------------------

def _roster(request, roster_id):
    return get_scoped_or_404(Roster.objects.select_related("area"), request.user, "view", pk=roster_id)


@router.get("/rosters", response={200: list[RosterOut], **ERRORS})
def list_rosters(request):
    return [roster_out(r) for r in Roster.objects.restrict(request.user)[:LIMIT]]


@router.post("/rosters", response={201: RosterOut, **ERRORS})
def create_roster(request, body: RosterIn):
    """A draft roster for the period; generate it with ``/rosters/{roster_id}/generate``."""
    area = _area(request, body.area_id)
    roster = services.create_roster(area=area, starts_on=body.starts_on, days=body.days,
                                    max_night_shifts=body.max_night_shifts, time_limit=body.time_limit,
                                    actor=request.user, source="api")
    return Status(201, roster_out(roster))


@router.get("/rosters/{roster_id}", response={200: RosterOut, **ERRORS})
def get_roster(request, roster_id: RecordId):
    return roster_out(_roster(request, roster_id))


@router.get("/rosters/{roster_id}/problem", response={200: dict, **ERRORS})
def roster_problem(request, roster_id: RecordId):
    """The roster's needs (slots), people (by id: skills, availability) and assignments, as JSON,
    so any tool can check or load it."""
    return problem.roster_json(_roster(request, roster_id))


@router.get("/rosters/{roster_id}/shifts", response={200: list[ShiftOut], **ERRORS})
def roster_shifts(request, roster_id: RecordId):
    roster = _roster(request, roster_id)
    return [shift_out(s) for s in Shift.objects.filter(roster=roster).select_related("post", "member")]


@router.post("/rosters/{roster_id}/generate", response={200: RosterOut, **ERRORS})
def generate(request, roster_id: RecordId):
    roster = _roster(request, roster_id)
    services.generate(roster, actor=request.user, source="api")
    roster.refresh_from_db()
    return roster_out(roster)


@router.post("/rosters/{roster_id}/publish", response={200: RosterOut, **ERRORS})
def publish(request, roster_id: RecordId):
    roster = _roster(request, roster_id)
    return roster_out(services.publish(roster, actor=request.user, source="api"))


@router.post("/shifts/{shift_id}", response={200: AssignOut, **ERRORS})
def assign(request, shift_id: RecordId, body: AssignIn):
    """Put a member (or nobody) on a shift. Breaking a hard rule needs a reason (422 without);
    the rules broken are answered."""
    shift = get_scoped_or_404(Shift.objects.select_related("roster__area", "post"), request.user, "view", pk=shift_id)
    member = _optional(StaffMember, request, body.member_id, "member_id")
    found = services.assign(shift, member=member, reason=body.reason, actor=request.user, source="api")
    shift.refresh_from_db()
    return {"shift": shift_out(shift), "violations": [violation_out(v) for v in found]}
