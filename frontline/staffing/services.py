"""Writes of the staffing app. Every function takes ``actor=``, checks scope with ``require``, is
atomic and leaves an audit row (with its reason where a reason is asked)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.access import person, require
from frontline.core.models import AuditEntry

from . import problem as problems
from . import solver
from .models import (
    CheckIn,
    DeploymentBatch,
    Handover,
    Need,
    OpenItem,
    Pairing,
    Post,
    Roster,
    SendingUnit,
    Shift,
    StaffMember,
    Unavailability,
)


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("A reason is required.")})
    return reason[:300]


def _create(obj, *, actor, source, path, action="change", reason=""):
    require(actor, action, path)
    obj.full_clean()
    obj.save()
    audit.record(obj, AuditEntry.Action.CREATE, actor=actor, source=source, reason=reason)
    return obj


def _update(obj, fields, allowed, *, actor, source, action="change"):
    require(actor, action, obj.audit_area_path())
    before = audit.snapshot(obj)
    for key in allowed:
        if key in fields:
            setattr(obj, key, fields[key])
    obj.full_clean()
    obj.save()
    # re-check after the save: no one moves a record out of their reach
    require(actor, action, obj.audit_area_path())
    audit.record(obj, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return obj


# --- units and people ------------------------------------------------------------------------------

@transaction.atomic
def create_unit(*, area, name, level=SendingUnit.Level.CITY, contact="", contact_phone="", actor, source="web"):
    unit = SendingUnit(area=area, name=(name or "").strip(), level=level, contact=(contact or "").strip(),
                       contact_phone=(contact_phone or "").strip())
    return _create(unit, actor=actor, source=source, path=area.path)


@transaction.atomic
def update_unit(unit, *, actor, source="web", **fields):
    return _update(unit, fields, ("name", "level", "contact", "contact_phone"), actor=actor, source=source)


MEMBER_FIELDS = ("name", "kind", "unit", "user", "phone", "skills", "home_area", "home_address", "wish_post", "notes")


@transaction.atomic
def create_member(*, area, name, actor, source="web", **fields):
    member = StaffMember(area=area, name=(name or "").strip())
    for key in MEMBER_FIELDS:
        if key in fields and key != "name":
            setattr(member, key, fields[key])
    _check_member_links(member)
    return _create(member, actor=actor, source=source, path=area.path)


@transaction.atomic
def update_member(member, *, actor, source="web", **fields):
    for key in ("unit", "wish_post"):
        if key in fields:
            setattr(member, key, fields[key])
    _check_member_links(member)
    return _update(member, fields, MEMBER_FIELDS, actor=actor, source=source)


def _check_member_links(member):
    if member.unit_id and not member.area.path.startswith(member.unit.area.path):
        raise ValidationError({"unit": _("The sending unit does not serve this community.")})
    if member.wish_post_id and not member.wish_post.area.path.startswith(member.area.path):
        raise ValidationError({"wish_post": _("The wished post is not in this community.")})


# --- batches, check-in, pairing ------------------------------------------------------------------------

@transaction.atomic
def create_batch(*, unit, community, number, arrival_date, notes="", actor, source="web"):
    if community.kind != "community":
        raise ValidationError({"community": _("A batch is sent to a community.")})
    batch = DeploymentBatch(unit=unit, community=community, number=number, arrival_date=arrival_date, notes=notes)
    if DeploymentBatch.objects.filter(unit=unit, community=community, number=number).exists():
        raise ValidationError({"number": _("This unit already has a batch %(n)s here.") % {"n": number}})
    return _create(batch, actor=actor, source=source, path=community.path)


@transaction.atomic
def check_in(*, member, community, received_by, at=None, batch=None, actor, source="web") -> CheckIn:
    """报到. A member already checked in (anywhere) is refused, naming where; the member's
    community becomes this one."""
    require(actor, "change", community.path)
    received_by = (received_by or "").strip()
    if not received_by:
        raise ValidationError({"received_by": _("Say who received them.")})
    if community.kind != "community":
        raise ValidationError({"community": _("People check in with a community.")})
    member = StaffMember.objects.select_for_update().get(pk=member.pk)
    open_checkin = CheckIn.objects.filter(member=member, released_at__isnull=True).select_related("community").first()
    if open_checkin is not None:
        if open_checkin.community_id == community.pk:
            raise ValidationError(_("%(name)s is already checked in here since %(at)s.") % {
                "name": member.name, "at": timezone.localtime(open_checkin.checked_in_at).strftime("%Y-%m-%d %H:%M")})
        raise ValidationError(_("%(name)s is already checked in at %(place)s since %(at)s: release them there first.") % {
            "name": member.name, "place": open_checkin.community.name,
            "at": timezone.localtime(open_checkin.checked_in_at).strftime("%Y-%m-%d %H:%M")})
    if batch is not None and batch.community_id != community.pk:
        raise ValidationError({"batch": _("The batch was sent to another community.")})
    checkin = CheckIn(member=member, community=community, batch=batch, checked_in_at=at or timezone.now(),
                      received_by=received_by[:60])
    try:
        with transaction.atomic():
            checkin.save()
    except IntegrityError:
        raise ValidationError(_("%(name)s is already checked in.") % {"name": member.name}) from None
    audit.record(checkin, AuditEntry.Action.CREATE, actor=actor, source=source)
    if member.area_id != community.pk:
        before = audit.snapshot(member)
        member.area = community
        member.save(update_fields=["area"])
        audit.record(member, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source,
                     reason=_("checked in at %(place)s") % {"place": community.name})
    return checkin


@transaction.atomic
def release(checkin: CheckIn, *, reason, at=None, actor, source="web") -> CheckIn:
    require(actor, "change", checkin.community.path)
    reason = _reason(reason)
    if checkin.released_at is not None:
        raise ValidationError(_("Already released."))
    before = audit.snapshot(checkin)
    checkin.released_at = at or timezone.now()
    checkin.release_reason = reason
    checkin.save(update_fields=["released_at", "release_reason"])
    audit.record(checkin, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return checkin


@transaction.atomic
def pair(*, unit, compound, starts_on, ends_on=None, actor, source="web") -> Pairing:
    pairing = Pairing(unit=unit, compound=compound, starts_on=starts_on, ends_on=ends_on)
    if not compound.path.startswith(unit.area.path) and not unit.area.path.startswith(compound.path):
        raise ValidationError({"compound": _("The compound lies outside the area the unit serves.")})
    return _create(pairing, actor=actor, source=source, path=compound.path)


# --- posts, needs, unavailability ----------------------------------------------------------------

@transaction.atomic
def create_post(*, area, name, kind=Post.Kind.GATE, gate=None, notes="", actor, source="web") -> Post:
    post = Post(area=area, name=(name or "").strip(), kind=kind, gate=gate, notes=notes)
    if Post.objects.filter(area=area, name=post.name).exists():
        raise ValidationError({"name": _("A post of this name exists here.")})
    return _create(post, actor=actor, source=source, path=area.path)


@transaction.atomic
def update_post(post, *, actor, source="web", **fields):
    return _update(post, fields, ("name", "kind", "gate", "active", "notes"), actor=actor, source=source)


@transaction.atomic
def add_need(*, post, start, end, people=1, weekday=None, skill="", skill_people=0, actor, source="web") -> Need:
    """A time slot of a post. Overlapping templates of one post are refused."""
    Post.objects.select_for_update().filter(pk=post.pk).first()  # one template at a time per post
    need = Need(post=post, weekday=weekday, start=start, end=end, people=people, skill=skill or "",
                skill_people=skill_people or 0)
    return _create(need, actor=actor, source=source, path=post.area.path)


@transaction.atomic
def remove_need(need, *, actor, source="web"):
    require(actor, "change", need.post.area.path)
    before = audit.snapshot(need)
    audit.record(need, AuditEntry.Action.DELETE, actor=actor, before=before, source=source)
    need.delete()


@transaction.atomic
def add_unavailability(*, member, starts_on, ends_on, reason, actor, source="web") -> Unavailability:
    reason = _reason(reason)
    item = Unavailability(member=member, starts_on=starts_on, ends_on=ends_on, reason=reason)
    return _create(item, actor=actor, source=source, path=member.area.path, reason=reason)


# --- rosters ------------------------------------------------------------------------------------

@transaction.atomic
def create_roster(*, area, starts_on, days=7, max_night_shifts=3, time_limit=10, today=None, actor, source="web") -> Roster:
    """A draft roster of ``area`` for ``days`` days from ``starts_on`` (not in the past)."""
    require(actor, "roster", area.path, _("Only the secretary or the street officer makes rosters."))
    today = today or timezone.localdate()
    if starts_on < today:
        raise ValidationError({"starts_on": _("The period is in the past: a roster starts today or later.")})
    if not 1 <= int(days) <= 31:
        raise ValidationError({"days": _("A roster covers 1 to 31 days.")})
    if not 1 <= int(time_limit) <= 300:
        raise ValidationError({"time_limit": _("The time limit is 1 to 300 seconds.")})
    roster = Roster(area=area, starts_on=starts_on, ends_on=starts_on + datetime.timedelta(days=int(days) - 1),
                    max_night_shifts=max_night_shifts, time_limit=time_limit, created_by=person(actor))
    roster.full_clean()
    roster.save()
    audit.record(roster, AuditEntry.Action.CREATE, actor=actor, source=source)
    return roster


@transaction.atomic
def generate(roster: Roster, *, actor, source="web", time_limit=None) -> solver.Result:
    """Solve the roster's period and replace its shifts (published shifts are kept as they are).
    On an infeasible problem the best partial roster is saved, its holes marked and explained."""
    require(actor, "roster", roster.area.path, _("Only the secretary or the street officer makes rosters."))
    roster = Roster.objects.select_for_update().get(pk=roster.pk)
    data = problems.build(roster)
    result = solver.solve(data.problem, time_limit=time_limit or roster.time_limit)
    if result.status == "unknown":
        raise ValidationError(_("The solver found no roster within %(s)s s; give it more time.") % {"s": roster.time_limit})
    before = audit.snapshot(roster)
    problems.save(roster, data, result)
    roster.solver_status = result.status
    roster.objective = result.objective
    roster.gap = result.gap
    roster.breakdown = result.breakdown
    roster.holes = [{"slot": h.slot, "label": data.labels.get(h.slot, h.label), "needed": h.needed, "filled": h.filled,
                     "reasons": h.reasons} for h in result.holes]
    roster.conflicting_rules = result.conflicting_rules
    roster.solve_seconds = round(result.wall_time, 2)
    roster.save()
    audit.record(roster, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source,
                 reason=_("generated by the solver"))
    return result


@transaction.atomic
def publish(roster: Roster, *, actor, source="web") -> Roster:
    require(actor, "roster", roster.area.path, _("Only the secretary or the street officer publishes rosters."))
    if not roster.shifts.exists():
        raise ValidationError(_("Generate the roster before publishing it."))
    before = audit.snapshot(roster)
    roster.status = Roster.Status.PUBLISHED
    roster.published_at = timezone.now()
    roster.save(update_fields=["status", "published_at"])
    audit.record(roster, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return roster


def edit_violations(shift: Shift, member) -> list[solver.Violation]:
    """The hard rules the roster would break with ``member`` on ``shift`` (None: empty seat),
    those touching this shift or this person."""
    data = problems.build(shift.roster, with_shifts=True)
    roster = {key: list(ids) for key, ids in data.current.items()}
    key = data.key_of[shift.pk]
    ids = roster.setdefault(key, [])
    if shift.member_id in ids:
        ids.remove(shift.member_id)
    if member is not None:
        ids.append(member.pk)
    found = solver.violations(data.problem, roster)
    return [v for v in found if v.slot == key or (member is not None and v.person == member.pk)
            or (v.rule in ("coverage", "skills") and v.slot == key)]


@transaction.atomic
def assign(shift: Shift, *, member, reason="", actor, source="web") -> list[solver.Violation]:
    """Put ``member`` (or no one) on ``shift``. An edit that breaks a hard rule needs a reason;
    the violations found are returned (and kept in the change log)."""
    require(actor, "roster", shift.roster.area.path, _("Only the secretary or the street officer edits rosters."))
    shift = Shift.objects.select_for_update().select_related("roster__area", "post").get(pk=shift.pk)
    if member is not None and not member.area.path.startswith(shift.roster.area.path):
        raise ValidationError({"member": _("This person does not serve in this community.")})
    found = [v for v in edit_violations(shift, member) if not (v.rule == "coverage" and member is not None)]
    reason = (reason or "").strip()
    if found and not reason:
        raise ValidationError({"reason": [_("This edit breaks a rule; give a reason to save it anyway.")]
                               + [v.message for v in found]})
    before = audit.snapshot(shift)
    shift.member = member
    shift.edited = True
    shift.reason = reason[:300]
    shift.save(update_fields=["member", "edited", "reason"])
    audit.record(shift, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source,
                 reason=reason or _("manual edit"))
    return found


# --- calendar feed --------------------------------------------------------------------------------

@transaction.atomic
def issue_calendar_token(member: StaffMember, *, actor, source="web") -> str:
    """A new secret for the member's calendar feed (the old link stops working)."""
    if getattr(actor, "pk", None) != member.user_id:
        require(actor, "roster", member.area.path)
    member.calendar_token = StaffMember.new_token()
    member.save(update_fields=["calendar_token"])
    audit.record(member, AuditEntry.Action.UPDATE, actor=actor, source=source, changes={"calendar_token": ["***", "***"]},
                 reason=_("calendar link issued"))
    return member.calendar_token


@transaction.atomic
def revoke_calendar_token(member: StaffMember, *, actor, source="web"):
    if getattr(actor, "pk", None) != member.user_id:
        require(actor, "roster", member.area.path)
    member.calendar_token = None
    member.save(update_fields=["calendar_token"])
    audit.record(member, AuditEntry.Action.UPDATE, actor=actor, source=source, changes={"calendar_token": ["***", ""]},
                 reason=_("calendar link revoked"))


# --- handovers -------------------------------------------------------------------------------------

def _on_shift_or_roster(actor, shift, message):
    """The person on the shift (their login) or a roster maker of the area."""
    if shift.member_id and shift.member.user_id and getattr(actor, "pk", None) == shift.member.user_id:
        return
    require(actor, "roster", shift.roster.area.path, message)


def next_shift(shift: Shift):
    """The shift that takes over the post when ``shift`` ends (the earliest starting then or after)."""
    return (Shift.objects.filter(roster__area=shift.roster.area, post=shift.post, starts_at__gte=shift.ends_at)
            .exclude(pk=shift.pk).order_by("starts_at", "seat").select_related("member").first())


@transaction.atomic
def write_handover(shift: Shift, *, notes="", items=(), close=(), actor, source="web") -> Handover:
    """The outgoing person's handover: notes, new open items, and open items of the post closed."""
    _on_shift_or_roster(actor, shift, _("Only the person on this shift writes its handover."))
    if hasattr(shift, "handover"):
        raise ValidationError(_("This shift's handover is already written."))
    notes = (notes or "").strip()
    items = [t.strip()[:300] for t in items if t and t.strip()]
    if not notes and not items:
        raise ValidationError({"notes": _("Write what the next shift must know (or an open item).")})
    handover = Handover.objects.create(shift=shift, notes=notes[:4000], written_by=person(actor), written_at=timezone.now())
    for text in items:
        OpenItem.objects.create(post=shift.post, handover=handover, text=text)
    closing = OpenItem.objects.filter(post=shift.post, closed_at__isnull=True, pk__in=list(close))
    closing.update(closed_at=timezone.now())
    audit.record(handover, AuditEntry.Action.CREATE, actor=actor, source=source)
    return handover


@transaction.atomic
def confirm_handover(handover: Handover, *, actor, source="web") -> Handover:
    """The incoming person (of the next shift at the post) confirms they read the handover."""
    handover = Handover.objects.select_for_update().select_related("shift__roster__area", "shift__post").get(pk=handover.pk)
    if handover.confirmed_at is not None:
        raise ValidationError(_("Already confirmed."))
    incoming = next_shift(handover.shift)
    if incoming is None or not (incoming.member_id and incoming.member.user_id == getattr(actor, "pk", None)):
        require(actor, "roster", handover.shift.roster.area.path, _("Only the incoming person confirms a handover."))
    before = audit.snapshot(handover)
    handover.confirmed_by = person(actor)
    handover.confirmed_at = timezone.now()
    handover.save(update_fields=["confirmed_by", "confirmed_at"])
    audit.record(handover, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return handover
