"""Writes of the checkpoints app. Every function takes ``actor=``, checks scope, is atomic and
leaves an audit row with its reason. The gate decision itself lives in decisions.py."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit, idnumber, personal, phones
from frontline.core.access import can, person, require, require_actor
from frontline.core.models import AuditEntry
from frontline.residents.models import Resident

from . import tokens
from .decisions import (  # noqa: F401 (one import point)
    clean_uuid,
    override_passage,
    passages_to_review,
    record_passage,
    require_gate,
    review_passage,
)
from .models import (
    ErrandRequest,
    Exemption,
    ExitPolicy,
    Gate,
    Pass,
    VehiclePassage,
    Venue,
    VenueScan,
)


def _reason(reason, field="reason"):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("A reason is required.")})
    return reason[:300]


# --- gates and venues -------------------------------------------------------------------------

@transaction.atomic
def create_gate(*, compound, name, opens_at=None, closes_at=None, notes="", actor, source="web") -> Gate:
    require(actor, "change", compound.path)
    gate = Gate(compound=compound, name=(name or "").strip(), opens_at=opens_at, closes_at=closes_at, notes=notes)
    gate.full_clean()
    gate.save()
    Venue.objects.create(area=compound, name=f"{compound.name} {gate.name}", kind=Venue.Kind.GATE, gate=gate)
    audit.record(gate, AuditEntry.Action.CREATE, actor=actor, source=source)
    return gate


@transaction.atomic
def update_gate(gate: Gate, *, actor, source="web", **fields) -> Gate:
    require(actor, "change", gate.compound.path)
    before = audit.snapshot(gate)
    for key in ("name", "opens_at", "closes_at", "active", "notes"):
        if key in fields:
            setattr(gate, key, fields[key])
    gate.full_clean()
    gate.save()
    audit.record(gate, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return gate


def gate_venue(gate: Gate) -> Venue:
    venue = Venue.objects.filter(gate=gate).first()
    if venue is None:
        venue = Venue.objects.create(area=gate.compound, name=f"{gate.compound.name} {gate.name}", kind=Venue.Kind.GATE, gate=gate)
    return venue


@transaction.atomic
def create_venue(*, area, name, kind=Venue.Kind.SHOP, actor, source="web") -> Venue:
    require(actor, "change", area.path)
    venue = Venue(area=area, name=(name or "").strip(), kind=kind)
    venue.full_clean(exclude=["gate"])
    venue.save()
    audit.record(venue, AuditEntry.Action.CREATE, actor=actor, source=source)
    return venue


# --- exit policy ------------------------------------------------------------------------------

@transaction.atomic
def set_policy(*, area, mode, effective_from=None, effective_until=None, quota_people=None, quota_days=None,
               reason="", actor, source="web") -> ExitPolicy:
    """Put an exit policy in force on ``area`` (and its subtree, unless a deeper area has its own)."""
    require(actor, "manage", area.path, _("Only the command post sets exit policy here."))
    policy = ExitPolicy(
        area=area, mode=mode, effective_from=effective_from or timezone.now(), effective_until=effective_until,
        quota_people=quota_people, quota_days=quota_days, reason=(reason or "").strip(), set_by=person(actor),
    )
    policy.full_clean()
    policy.save()
    audit.record(policy, AuditEntry.Action.CREATE, actor=actor, source=source, reason=policy.reason)
    return policy


@transaction.atomic
def end_policy(policy: ExitPolicy, *, at=None, reason, actor, source="web") -> ExitPolicy:
    require(actor, "manage", policy.area.path, _("Only the command post sets exit policy here."))
    reason = _reason(reason)
    at = at or timezone.now()
    if policy.effective_until is not None and policy.effective_until <= at:
        raise ValidationError(_("This policy has already ended."))
    before = audit.snapshot(policy)
    policy.effective_until = max(at, policy.effective_from)
    policy.save(update_fields=["effective_until"])
    audit.record(policy, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return policy


# --- exemptions -------------------------------------------------------------------------------

@transaction.atomic
def grant_exemption(*, resident: Resident, kind, evidence, valid_from, valid_until, actor, source="web") -> Exemption:
    """An exemption is the resident's own: it never lets a relative out (a parent does not go
    out on the child's admission ticket)."""
    require(actor, "change", resident.household.area.path)
    exemption = Exemption(resident=resident, kind=kind, evidence=(evidence or "").strip(), valid_from=valid_from,
                          valid_until=valid_until, granted_by=person(actor))
    exemption.full_clean()
    exemption.save()
    audit.record(exemption, AuditEntry.Action.CREATE, actor=actor, source=source, reason=exemption.evidence)
    return exemption


# --- passes -----------------------------------------------------------------------------------

@transaction.atomic
def issue_pass(*, household, valid_from=None, valid_until, actor, source="web") -> Pass:
    require(actor, "change", household.area.path)
    gate_pass = Pass(household=household, valid_from=valid_from or timezone.now(), valid_until=valid_until, issued_by=person(actor))
    gate_pass.full_clean()
    gate_pass.save()
    audit.record(gate_pass, AuditEntry.Action.CREATE, actor=actor, source=source)
    return gate_pass


# --- errands (seam for the assistance app) ------------------------------------------------------

def log_errand(*, resident, what, actor, passage=None, client_id=None, source="web") -> tuple[ErrandRequest, bool]:
    """One tap at the gate: the isolated resident is refused, and staff fetch it instead."""
    path = resident.household.area.path
    require_actor(actor)
    if not (can(actor, "gate", path) or can(actor, "change", path)):
        raise PermissionDenied(_("You may not do this here."))
    what = (what or "").strip() or _("(to be asked by phone)")
    client_id = clean_uuid(client_id)
    if client_id and (existing := ErrandRequest.objects.filter(client_id=client_id).first()):
        return existing, False
    if passage is not None and passage.resident_id != resident.pk:
        raise ValidationError({"passage": _("That passage is someone else's.")})
    try:
        with transaction.atomic():
            errand = ErrandRequest.objects.create(resident=resident, what=what[:300], passage=passage,
                                                  created_by=person(actor), client_id=client_id)
            audit.record(errand, AuditEntry.Action.CREATE, actor=actor, source=source, reason=what[:300])
    except IntegrityError:
        existing = ErrandRequest.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    return errand, True


# --- vehicles ---------------------------------------------------------------------------------

_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{4,5}[A-Z0-9\u4e00-\u9fff]$")


def normalise_plate(raw) -> str:
    plate = re.sub(r"[\s·\-.]", "", str(raw or "")).upper()
    plate = plate.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not _PLATE.match(plate):
        raise ValidationError({"plate": _("%(raw)s is not a plate number (e.g. 陕A12345, or 陕AD12345 for a new-energy car).") % {"raw": raw}})
    return plate


def record_vehicle(*, gate, actor, direction, plate, purpose, driver="", decision="allowed", reason="",
                   client_id=None, client_time=None, offline=False, now=None) -> tuple[VehiclePassage, bool]:
    require_gate(actor, gate)
    if direction not in ("in", "out"):
        raise ValidationError({"direction": _("Choose in or out.")})
    if decision not in ("allowed", "refused"):
        raise ValidationError({"decision": _("Allowed or refused.")})
    plate = normalise_plate(plate)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Record the purpose (delivery, ambulance, resident's car).")})
    if decision == "refused" and not (reason or "").strip():
        raise ValidationError({"reason": _("A refusal needs a reason.")})
    client_id = clean_uuid(client_id)
    if client_id and (existing := VehiclePassage.objects.filter(client_id=client_id).first()):
        return existing, False
    try:
        with transaction.atomic():
            row = VehiclePassage.objects.create(
                gate=gate, direction=direction, plate=plate, driver=(driver or "").strip()[:60], purpose=purpose[:200],
                decision=decision, reason=(reason or "").strip()[:300], at=now or timezone.now(), client_time=client_time,
                staff=person(actor), client_id=client_id, decided_offline=bool(offline),
            )
    except IntegrityError:
        existing = VehiclePassage.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    return row, True


# --- venue-code scans -------------------------------------------------------------------------

def person_hash(*, id_number="", phone="", resident_token="") -> tuple[str, Resident | None]:
    """The keyed hash that names a scanning person, and the resident when we know them."""
    if resident_token:
        try:
            kind, payload = tokens.read(resident_token)
        except tokens.TokenError as exc:
            raise ValidationError({"resident_token": exc.message}) from None
        if kind != tokens.RESIDENT:
            raise ValidationError({"resident_token": _("This QR code is not a person's gate code.")})
        resident = Resident.objects.filter(pk=payload.get("r")).first()
        if resident is None:
            raise ValidationError({"resident_token": _("No such resident.")})
        return resident.id_number_hash or resident.phone_hash, resident
    if id_number:
        try:
            number = idnumber.parse(id_number).number
        except idnumber.IDNumberError as exc:
            raise ValidationError({"id_number": exc.message}) from None
        digest = personal.lookup_hash("id", number)
        return digest, Resident.objects.filter(id_number_hash=digest).first()
    if phone:
        try:
            number = phones.normalise(phone)
        except phones.PhoneError as exc:
            raise ValidationError({"phone": str(exc)}) from None
        digest = personal.lookup_hash("phone", number)
        resident = Resident.objects.filter(phone_hash=digest).first()
        return (resident.id_number_hash or digest) if resident else digest, resident
    raise ValidationError({"person": _("Give the person's ID number, phone or gate QR.")})


def venue_from_token(raw) -> Venue:
    try:
        kind, payload = tokens.read(raw)
    except tokens.TokenError as exc:
        raise ValidationError({"venue_token": exc.message}) from None
    if kind != tokens.VENUE:
        raise ValidationError({"venue_token": _("This QR code is not a venue code.")})
    venue = Venue.objects.select_related("area").filter(pk=payload.get("v")).first()
    if venue is None:
        raise ValidationError({"venue_token": _("No such venue.")})
    return venue


def record_scan(*, venue, actor, id_number="", phone="", resident_token="", client_id=None, client_time=None,
                now=None) -> tuple[VenueScan, bool]:
    """A check-in at a venue. The server's time is the scan time; the phone's is kept beside it."""
    require(actor, "gate", venue.area.path, _("You may not record scans for this venue."))
    digest, resident = person_hash(id_number=id_number, phone=phone, resident_token=resident_token)
    client_id = clean_uuid(client_id)
    if client_id and (existing := VenueScan.objects.filter(client_id=client_id).first()):
        return existing, False
    try:
        with transaction.atomic():
            scan = VenueScan.objects.create(venue=venue, person_hash=digest, resident=resident,
                                            scanned_at=now or timezone.now(), client_time=client_time, client_id=client_id)
    except IntegrityError:
        existing = VenueScan.objects.filter(client_id=client_id).first() if client_id else None
        if existing is None:
            raise
        return existing, False
    return scan, True
