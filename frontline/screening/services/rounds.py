"""Rounds, their sites, desks and staff, exemptions and home-sampling tasks."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can
from frontline.residents.models import Resident

from ..models import Desk, DeskAssignment, Exemption, HomeTask, Lab, Round, SamplingSite
from .common import require


@transaction.atomic
def create_round(*, name, areas, starts_at, ends_at, pooling=Round.Pooling.TEN, notes="", actor=None, source="web") -> Round:
    areas = list(areas)
    if not areas:
        raise ValidationError({"areas": _("A round covers at least one area.")})
    for area in areas:
        require(actor, "change", area.path, _("You may not plan a round for %(area)s.") % {"area": area.name})
    round_obj = Round(name=name.strip(), starts_at=starts_at, ends_at=ends_at, pooling=pooling, notes=notes,
                      created_by=actor if getattr(actor, "pk", None) else None)
    round_obj.full_clean()
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A round ends after it starts.")})
    round_obj.save()
    round_obj.areas.set(areas)
    audit.record(round_obj, AuditEntry.Action.CREATE, actor=actor, source=source)
    return round_obj


def _require_round(actor, round_obj, action="change"):
    if actor is None or actor.is_superuser:
        return
    if not all(user_can(actor, action, p) for p in round_obj.scope_paths()):
        raise PermissionDenied(_("You may not manage this round."))


@transaction.atomic
def set_round_status(round_obj: Round, status: str, *, actor=None, reason="", source="web") -> Round:
    _require_round(actor, round_obj)
    if status not in Round.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    before = audit.snapshot(round_obj)
    round_obj.status = status
    round_obj.save(update_fields=["status"])
    audit.record(round_obj, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return round_obj


def _overlaps(round_obj, path):
    return any(path.startswith(p) or p.startswith(path) for p in round_obj.scope_paths())


@transaction.atomic
def add_site(round_obj: Round, *, area, name, location="", actor=None, source="web") -> SamplingSite:
    require(actor, "change", area.path)
    if not _overlaps(round_obj, area.path):
        raise ValidationError({"area": _("The site must lie in or above the round's areas.")})
    site = SamplingSite(round=round_obj, area=area, name=name.strip(), location=location)
    site.full_clean()
    site.save()
    audit.record(site, AuditEntry.Action.CREATE, actor=actor, source=source)
    return site


@transaction.atomic
def add_desk(site: SamplingSite, *, name, actor=None, source="web") -> Desk:
    require(actor, "change", site.area.path)
    desk = Desk(site=site, name=name.strip())
    desk.full_clean()
    desk.save()
    audit.record(desk, AuditEntry.Action.CREATE, actor=actor, source=source)
    return desk


@transaction.atomic
def assign_staff(desk: Desk, user, *, duty=DeskAssignment.Duty.RECORDER, actor=None, source="web") -> DeskAssignment:
    path = desk.site.area.path
    require(actor, "change", path)
    if not user_can(user, "sample", path):
        raise ValidationError(_("%(user)s holds no sampling role at %(site)s.") % {"user": user, "site": desk.site.name})
    assignment, created = DeskAssignment.objects.get_or_create(desk=desk, user=user, defaults={"duty": duty})
    if created:
        audit.record(assignment, AuditEntry.Action.CREATE, actor=actor, source=source)
    return assignment


@transaction.atomic
def create_lab(*, name, code, members=(), actor=None) -> Lab:
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator registers a laboratory."))
    lab = Lab(name=name.strip(), code=code.strip().upper())
    lab.full_clean()
    lab.save()
    lab.members.set(members)
    return lab


@transaction.atomic
def add_exemption(round_obj: Round, resident: Resident, *, reason, evidence="", actor=None, source="web") -> Exemption:
    path = resident.household.area.path
    require(actor, "change", path)
    if not round_obj.covers(path):
        raise ValidationError(_("%(name)s does not live in this round's areas.") % {"name": resident.name})
    if reason not in Exemption.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    if reason in (Exemption.Reason.AWAY, Exemption.Reason.TESTED_ELSEWHERE, Exemption.Reason.OTHER) and not evidence.strip():
        raise ValidationError({"evidence": _("This reason needs its evidence (where, which report).")})
    exemption, created = Exemption.objects.get_or_create(
        round=round_obj, resident=resident,
        defaults={"reason": reason, "evidence": evidence.strip(), "area_path": path,
                  "created_by": actor if getattr(actor, "pk", None) else None},
    )
    if not created:
        raise ValidationError(_("%(name)s is already exempted from this round.") % {"name": resident.name})
    audit.record(exemption, AuditEntry.Action.CREATE, actor=actor, source=source, reason=exemption.get_reason_display())
    return exemption


@transaction.atomic
def create_home_task(round_obj: Round, resident: Resident, *, reason, note="", actor=None, source="web") -> HomeTask:
    path = resident.household.area.path
    require(actor, "change", path)
    if not round_obj.covers(path):
        raise ValidationError(_("%(name)s does not live in this round's areas.") % {"name": resident.name})
    if reason not in HomeTask.Reason.values:
        raise ValidationError({"reason": _("Choose a reason.")})
    existing = HomeTask.objects.filter(round=round_obj, resident=resident, status=HomeTask.Status.OPEN).first()
    if existing:
        return existing
    task = HomeTask.objects.create(
        round=round_obj, resident=resident, reason=reason, note=note.strip(), area_path=path,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(task, AuditEntry.Action.CREATE, actor=actor, source=source, reason=task.get_reason_display())
    return task


def plan_home_tasks_for_bedridden(round_obj: Round, *, actor=None, source="web") -> int:
    """One open task per bedridden resident present in the round's areas who has none yet."""
    from ..coverage import population

    created = 0
    for resident in population(round_obj).with_tag("bedridden").select_related("household__area"):
        if actor is not None and not user_can(actor, "change", resident.household.area.path):
            continue
        if not HomeTask.objects.filter(round=round_obj, resident=resident).exists():
            create_home_task(round_obj, resident, reason=HomeTask.Reason.BEDRIDDEN, actor=actor, source=source)
            created += 1
    return created
