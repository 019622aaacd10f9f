"""Writes of the isolation app. Every function takes ``actor=`` (checked with ``core.access``),
is atomic, re-checks the scope after saving, and leaves an audit row and, for a case, a
``CaseEvent`` with its reason: a person's status never changes without a name and a reason.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit, registry, vitals
from frontline.core.access import can, is_system, person, require, require_actor
from frontline.core.models import AuditEntry

from . import alerts
from .models import CaseEvent, CheckIn, IsolationCase, IsolationSite, Transfer
from .results import negative_result_since

DEFAULT_DAYS = {IsolationCase.Kind.HOME: 14, IsolationCase.Kind.CENTRALIZED: 14, IsolationCase.Kind.MONITORING: 7}
TEXT_MAX = 300


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("A reason is required.")})
    if len(reason) > TEXT_MAX:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    return reason


def _event(case, kind, *, actor, reason="", old_end=None, new_end=None, at=None):
    return CaseEvent.objects.create(case=case, kind=kind, reason=reason[:TEXT_MAX], old_end=old_end, new_end=new_end,
                                    at=at or timezone.now(), by=person(actor), by_name=getattr(actor, "username", "") or "")


def _require_case(actor, case, action="change"):
    require(actor, action, case.area_path)


def _lock(case) -> IsolationCase:
    return IsolationCase.objects.select_for_update().select_related("resident__household__area").get(pk=case.pk)


def _require_open(case):
    if not case.is_open:
        raise ValidationError(_("This case is closed (%(status)s).") % {"status": case.get_status_display()})


# --- cases --------------------------------------------------------------------------------------

@transaction.atomic
def open_case(*, resident, kind=IsolationCase.Kind.HOME, reason, source_text="", start=None, planned_end=None,
              days=None, policy_notes="", actor, source="web") -> IsolationCase:
    """Open an isolation case for ``resident``. Without ``planned_end``, the period is ``days``
    (or the kind's default) from the start. A resident has at most one open case: a new
    exposure of someone already isolated is ``record_exposure`` on that case."""
    path = resident.household.area.path
    require(actor, "change", path)
    start = start or timezone.now()
    if planned_end is None:
        planned_end = start + datetime.timedelta(days=days or DEFAULT_DAYS.get(kind, 14))
    if reason not in IsolationCase.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if IsolationCase.objects.open().filter(resident=resident).exists():
        raise ValidationError({"resident": _("This person already has an open isolation case: record a new exposure on it instead.")})
    case = IsolationCase(resident=resident, kind=kind, reason=reason, source_text=(source_text or "").strip()[:200],
                         start=start, planned_end=planned_end, exposure_at=start, policy_notes=(policy_notes or "").strip(),
                         area_path=path, created_by=person(actor))
    case.full_clean(exclude=["area_path"])
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        raise ValidationError({"resident": _("This person already has an open isolation case: record a new exposure on it instead.")}) from None
    _event(case, CaseEvent.Kind.OPENED, actor=actor, reason=case.get_reason_display() + (f" · {case.source_text}" if case.source_text else ""),
           new_end=planned_end, at=start)
    audit.record(case, AuditEntry.Action.CREATE, actor=actor, source=source, reason=case.source_text or case.reason)
    registry.call_hooks("isolation.case_opened", case=case, actor=actor)
    return case


@transaction.atomic
def change_planned_end(case, *, planned_end, reason, actor, source="web") -> IsolationCase:
    """Extend or shorten the period; only with a reason."""
    reason = _reason(reason)
    case = _lock(case)
    _require_case(actor, case)
    _require_open(case)
    if planned_end is None or planned_end <= case.start:
        raise ValidationError({"planned_end": _("The planned end must come after the start.")})
    if planned_end == case.planned_end:
        raise ValidationError({"planned_end": _("That is already the planned end.")})
    before = audit.snapshot(case)
    old = case.planned_end
    case.planned_end = planned_end
    case.save(update_fields=["planned_end"])
    _event(case, CaseEvent.Kind.END_CHANGED, actor=actor, reason=reason, old_end=old, new_end=planned_end)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return case


@transaction.atomic
def record_exposure(case, *, source_text, at=None, days=None, actor, source="web") -> IsolationCase:
    """A new exposure during isolation restarts the clock: the period (``days``, or the case's
    current length) counts again from the exposure, and the new source is shown."""
    source_text = _reason(source_text, "source_text")
    case = _lock(case)
    _require_case(actor, case)
    _require_open(case)
    at = at or timezone.now()
    if at < case.start:
        raise ValidationError({"at": _("The exposure cannot come before the start of the case.")})
    period = datetime.timedelta(days=days) if days else case.planned_end - (case.exposure_at or case.start)
    before = audit.snapshot(case)
    old = case.planned_end
    case.exposure_at, case.source_text = at, source_text[:200]
    case.planned_end = max(case.planned_end, at + period)
    case.save(update_fields=["exposure_at", "source_text", "planned_end"])
    _event(case, CaseEvent.Kind.EXPOSURE, actor=actor, reason=source_text, old_end=old, new_end=case.planned_end, at=at)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=source_text)
    return case


@transaction.atomic
def update_notes(case, *, policy_notes, actor, source="web") -> IsolationCase:
    """The one-person-one-policy notes (diabetic, needs insulin; lives alone on the 7th floor)."""
    case = _lock(case)
    _require_case(actor, case)
    notes = (policy_notes or "").strip()
    if len(notes) > 2000:
        raise ValidationError({"policy_notes": _("At most %(n)d characters.") % {"n": 2000}})
    before = audit.snapshot(case)
    case.policy_notes = notes
    case.save(update_fields=["policy_notes"])
    _event(case, CaseEvent.Kind.NOTES, actor=actor)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason="notes")
    return case


@transaction.atomic
def release(case, *, actor, reason="", override=False, at=None, source="web") -> IsolationCase:
    """Release the person: on a negative result taken since the last exposure (a screening round
    or a home sample), or, without one, only as an override with its reason."""
    case = _lock(case)
    _require_case(actor, case)
    _require_open(case)
    at = at or timezone.now()
    sample = negative_result_since(case.resident, case.exposure_at or case.start)
    reason = (reason or "").strip()
    if sample is None:
        if not reason:
            raise ValidationError({"reason": _(
                "No negative result since the start of this case: release only with an override and its reason."
            )})
        override = True
    if len(reason) > TEXT_MAX:
        raise ValidationError({"reason": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    before = audit.snapshot(case)
    case.status, case.released_at, case.released_by = IsolationCase.Status.RELEASED, at, person(actor)
    case.release_sample, case.release_override = sample, bool(override and sample is None)
    case.release_reason = reason or _("negative result")
    case.site = None
    case.save(update_fields=["status", "released_at", "released_by", "release_sample", "release_override", "release_reason", "site"])
    _event(case, CaseEvent.Kind.RELEASED, actor=actor, reason=case.release_reason, at=at)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=case.release_reason)
    alerts.resolve_case_alerts(case, actor=actor, reason=case.release_reason)
    registry.call_hooks("isolation.case_closed", case=case, actor=actor)
    return case


@transaction.atomic
def hospitalise(case, *, reason, actor, at=None, source="web") -> IsolationCase:
    """The person was taken to hospital: the case closes with the reason (where, why)."""
    reason = _reason(reason)
    case = _lock(case)
    _require_case(actor, case)
    _require_open(case)
    at = at or timezone.now()
    before = audit.snapshot(case)
    case.status, case.released_at, case.released_by, case.release_reason = IsolationCase.Status.HOSPITALISED, at, person(actor), reason
    case.site = None
    case.save(update_fields=["status", "released_at", "released_by", "release_reason", "site"])
    _event(case, CaseEvent.Kind.HOSPITALISED, actor=actor, reason=reason, at=at)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    alerts.resolve_case_alerts(case, actor=actor, reason=reason)
    registry.call_hooks("isolation.case_closed", case=case, actor=actor)
    return case


# --- sites and transfers ----------------------------------------------------------------------

@transaction.atomic
def create_site(*, area, name, capacity, address="", contact="", actor, source="web") -> IsolationSite:
    require(actor, "manage", area.path)
    site = IsolationSite(area=area, name=(name or "").strip(), capacity=capacity, address=(address or "").strip(),
                         contact=(contact or "").strip())
    site.full_clean()
    site.save()
    audit.record(site, AuditEntry.Action.CREATE, actor=actor, source=source)
    return site


def site_occupancy(site) -> int:
    return IsolationCase.objects.filter(site=site, status=IsolationCase.Status.TRANSFERRED).count()


@transaction.atomic
def transfer(case, *, site, at=None, escort=None, escort_note="", vehicle="", override_reason="", actor, source="web") -> Transfer:
    """Move the person to a centralized site (time, escort, vehicle). A full site is refused
    unless ``override_reason`` says why it takes one more."""
    case = _lock(case)
    _require_case(actor, case)
    _require_open(case)
    site = IsolationSite.objects.select_for_update().select_related("area").get(pk=site.pk)
    if not (case.area_path.startswith(site.area.path) or can(actor, "view", site.area.path)):
        raise PermissionDenied(_("This site is not one you may send people to."))
    if not site.active:
        raise ValidationError({"site": _("This site is closed.")})
    if case.status == IsolationCase.Status.TRANSFERRED and case.site_id == site.pk:
        raise ValidationError({"site": _("Already at this site.")})
    override_reason = (override_reason or "").strip()
    occupied = site_occupancy(site)
    if occupied >= site.capacity and not override_reason:
        raise ValidationError({"site": _(
            "%(site)s is full (%(n)d of %(cap)d rooms taken): choose another site, or override with a reason."
        ) % {"site": site.name, "n": occupied, "cap": site.capacity}})
    if len(override_reason) > TEXT_MAX:
        raise ValidationError({"override_reason": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    at = at or timezone.now()
    if escort is not None and not can(escort, "view", case.area_path):
        raise ValidationError({"escort": _("The escort must be staff of this area.")})
    move = Transfer(case=case, site=site, at=at, escort=escort, escort_note=(escort_note or "").strip()[:100],
                    vehicle=(vehicle or "").strip()[:40], override_reason=override_reason if occupied >= site.capacity else "",
                    created_by=person(actor))
    move.save()
    before = audit.snapshot(case)
    case.kind, case.status, case.site = IsolationCase.Kind.CENTRALIZED, IsolationCase.Status.TRANSFERRED, site
    case.save(update_fields=["kind", "status", "site"])
    reason = site.name + (f" · {move.vehicle}" if move.vehicle else "") + (f" · {move.override_reason}" if move.override_reason else "")
    _event(case, CaseEvent.Kind.TRANSFERRED, actor=actor, reason=reason, at=at)
    audit.record(move, AuditEntry.Action.CREATE, actor=actor, source=source, reason=move.override_reason)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return move


@transaction.atomic
def confirm_transfer(move: Transfer, *, actor, at=None, source="web") -> Transfer:
    """The receiving site confirms the person arrived."""
    move = Transfer.objects.select_for_update().select_related("case", "site__area").get(pk=move.pk)
    require_actor(actor)
    if not (can(actor, "change", move.site.area.path) or can(actor, "change", move.case.area_path)):
        raise PermissionDenied(_("You may not do this here."))
    if move.confirmed_at:
        raise ValidationError(_("Arrival already confirmed."))
    before = audit.snapshot(move)
    move.confirmed_at, move.confirmed_by = at or timezone.now(), person(actor)
    move.save(update_fields=["confirmed_at", "confirmed_by"])
    _event(move.case, CaseEvent.Kind.CONFIRMED, actor=actor, reason=move.site.name, at=move.confirmed_at)
    audit.record(move, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return move


@transaction.atomic
def return_home(case, *, reason, actor, at=None, source="web") -> IsolationCase:
    """Back from the site to home isolation (the rest of the period at home)."""
    reason = _reason(reason)
    case = _lock(case)
    _require_case(actor, case)
    if case.status != IsolationCase.Status.TRANSFERRED:
        raise ValidationError(_("Only a person at a centralized site can return home."))
    before = audit.snapshot(case)
    case.kind, case.status, case.site = IsolationCase.Kind.HOME, IsolationCase.Status.ACTIVE, None
    case.save(update_fields=["kind", "status", "site"])
    _event(case, CaseEvent.Kind.RETURNED, actor=actor, reason=reason, at=at)
    audit.record(case, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return case


# --- check-ins --------------------------------------------------------------------------------

def clean_uuid(value):
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({"client_id": _("Not a valid client id.")}) from None


def clean_symptoms(symptoms) -> list[str]:
    codes = []
    for code in symptoms or ():
        if code not in CheckIn.SYMPTOMS:
            raise ValidationError({"symptoms": _("Unknown symptom: %(s)s") % {"s": str(code)[:30]}})
        if code not in codes:
            codes.append(code)
    return codes


def _move_forward(case_id, field, at):
    """Set the case's ``field`` to ``at`` unless it already holds a later moment (one UPDATE: a
    late offline replay of yesterday's check-in never hides today's)."""
    IsolationCase.objects.filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": at}), pk=case_id).update(**{field: at})


def record_checkin(case, *, temperature=None, symptoms=(), antigen="", note="", at=None, client_id=None,
                   source=CheckIn.Source.STAFF, actor) -> tuple[CheckIn, bool]:
    """Store a daily check-in once: a replay with the same ``client_id`` returns the stored one
    (created False). A fever (>= 37.3 °C) or a positive antigen raises an urgent alert."""
    require_actor(actor)
    if not (is_system(actor) or can(actor, "change", case.area_path) or can(actor, "checkin", case.area_path)):
        raise PermissionDenied(_("You may not record check-ins here."))
    client_id = clean_uuid(client_id)
    if client_id and (existing := CheckIn.objects.filter(client_id=client_id).first()):
        if existing.case_id != case.pk:
            raise ValidationError({"client_id": _("That client id belongs to another check-in.")})
        return existing, False
    reading = vitals.parse_temperature(temperature)
    codes = clean_symptoms(symptoms)
    if antigen not in CheckIn.Antigen.values:
        raise ValidationError({"antigen": _("Choose negative, positive or not done.")})
    note = (note or "").strip()
    if len(note) > TEXT_MAX:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": TEXT_MAX}})
    now = timezone.now()
    at = at or now
    if at > now + datetime.timedelta(minutes=10):
        raise ValidationError({"at": _("A check-in cannot be in the future.")})
    if reading is None and not codes and not antigen and not note:
        raise ValidationError({"temperature": _("Enter at least a temperature, a symptom, an antigen result or a note.")})
    if not case.is_open:
        raise ValidationError(_("This case is closed (%(status)s).") % {"status": case.get_status_display()})
    checkin = CheckIn(case=case, at=at, temperature=reading, symptoms=codes, antigen=antigen, note=note, source=source,
                      created_by=person(actor))
    if client_id:
        checkin.client_id = client_id
    try:
        with transaction.atomic():
            checkin.save()
            _move_forward(case.pk, "last_checkin_at", checkin.at)
            if checkin.is_alarming:
                _move_forward(case.pk, "last_alarm_at", checkin.at)
            audit.record(checkin, AuditEntry.Action.CREATE, actor=actor, source=source)
            alerts.after_checkin(checkin, actor=actor)
    except IntegrityError:
        existing = CheckIn.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    return checkin, True


def checkin_deadline_hour() -> int:
    return int(getattr(settings, "ISOLATION_CHECKIN_DEADLINE_HOUR", 10))


# --- home sampling after a fever ----------------------------------------------------------------

def request_home_sampling(case, *, actor, source="web"):
    """One tap after a fever or a positive antigen: a home-sampling task (上门采样, the five-sample
    set) for the person in the open testing round that covers their home (screening's
    ``HomeTask``; an open one is returned as it is). ValidationError when no round is open there."""
    from frontline.screening.models import HomeTask, Round
    from frontline.screening.services import rounds

    _require_case(actor, case)
    _require_open(case)
    ancestors = [case.area_path[:i] for i in range(10, len(case.area_path) + 1, 10)]
    round_obj = (Round.objects.filter(status=Round.Status.OPEN, areas__path__in=ancestors).order_by("-starts_at", "-id")
                 .first())
    if round_obj is None:
        raise ValidationError(_("No testing round is open for this home: ask the command post to open one."))
    note = _("Isolation case #%(case)s: fever or positive antigen; home sampling (five-sample set).") % {"case": case.pk}
    return rounds.create_home_task(round_obj, case.resident, reason=HomeTask.Reason.ISOLATED, note=note[:300], actor=actor,
                                   source=source)
