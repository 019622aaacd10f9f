"""Rounds, their sites, desks and staff, exemptions and home-sampling tasks."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.access import can, person, require
from frontline.core.models import AuditEntry
from frontline.residents.models import Resident

from ..models import Desk, DeskAssignment, Exemption, HomeTask, Lab, Round, SamplingSite


@transaction.atomic
def create_round(*, name, areas, starts_at, ends_at, pooling=Round.Pooling.TEN, notes="", actor, source="web") -> Round:
    areas = list(areas)
    if not areas:
        raise ValidationError({"areas": _("A round covers at least one area.")})
    for area in areas:
        require(actor, "change", area.path, _("You may not plan a round for %(area)s.") % {"area": area.name})
    round_obj = Round(name=name.strip(), starts_at=starts_at, ends_at=ends_at, pooling=pooling, notes=notes,
                      created_by=person(actor))
    round_obj.full_clean()
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("A round ends after it starts.")})
    round_obj.save()
    round_obj.areas.set(areas)
    audit.record(round_obj, AuditEntry.Action.CREATE, actor=actor, source=source)
    return round_obj


def _require_round(actor, round_obj, action="change"):
    """The actor holds ``action`` on every area of the round."""
    for path in round_obj.scope_paths() or [""]:
        require(actor, action, path, _("You may not manage this round."))


@transaction.atomic
def set_round_status(round_obj: Round, status: str, *, actor, reason="", source="web") -> Round:
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
def add_site(round_obj: Round, *, area, name, location="", actor, source="web") -> SamplingSite:
    require(actor, "change", area.path)
    if not _overlaps(round_obj, area.path):
        raise ValidationError({"area": _("The site must lie in or above the round's areas.")})
    site = SamplingSite(round=round_obj, area=area, name=name.strip(), location=location)
    site.full_clean()
    site.save()
    audit.record(site, AuditEntry.Action.CREATE, actor=actor, source=source)
    return site


@transaction.atomic
def add_desk(site: SamplingSite, *, name, actor, source="web") -> Desk:
    require(actor, "change", site.area.path)
    desk = Desk(site=site, name=name.strip())
    desk.full_clean()
    desk.save()
    audit.record(desk, AuditEntry.Action.CREATE, actor=actor, source=source)
    return desk


@transaction.atomic
def assign_staff(desk: Desk, user, *, duty=DeskAssignment.Duty.RECORDER, actor, source="web") -> DeskAssignment:
    path = desk.site.area.path
    require(actor, "change", path)
    if not can(user, "sample", path):
        raise ValidationError(_("%(user)s holds no sampling role at %(site)s.") % {"user": user, "site": desk.site.name})
    assignment, created = DeskAssignment.objects.get_or_create(desk=desk, user=user, defaults={"duty": duty})
    if created:
        audit.record(assignment, AuditEntry.Action.CREATE, actor=actor, source=source)
    return assignment


@transaction.atomic
def create_lab(*, name, code, members=(), actor, source="web") -> Lab:
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only an administrator registers a laboratory."))
    lab = Lab(name=name.strip(), code=code.strip().upper())
    lab.full_clean()
    lab.save()
    lab.members.set(members)
    # Membership grants access to the tubes sent to the lab: in the change log like a role.
    audit.record(lab, AuditEntry.Action.CREATE, actor=actor, area_path="", source=source,
                 changes={"name": [None, lab.name], "code": [None, lab.code],
                          "members": [[], sorted(m.username for m in lab.members.all())]})
    return lab


@transaction.atomic
def add_exemption(round_obj: Round, resident: Resident, *, reason, evidence="", actor, source="web") -> Exemption:
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
                  "created_by": person(actor)},
    )
    if not created:
        raise ValidationError(_("%(name)s is already exempted from this round.") % {"name": resident.name})
    audit.record(exemption, AuditEntry.Action.CREATE, actor=actor, source=source, reason=exemption.get_reason_display())
    return exemption


@transaction.atomic
def create_home_task(round_obj: Round, resident: Resident, *, reason, note="", actor, source="web") -> HomeTask:
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
        created_by=person(actor),
    )
    audit.record(task, AuditEntry.Action.CREATE, actor=actor, source=source, reason=task.get_reason_display())
    return task


def plan_home_tasks_for_bedridden(round_obj: Round, *, actor, source="web") -> int:
    """One open task per bedridden resident present in the round's areas who has none yet."""
    from ..coverage import population

    created = 0
    for resident in population(round_obj).with_tag("bedridden").select_related("household__area"):
        if not can(actor, "change", resident.household.area.path):
            continue
        if not HomeTask.objects.filter(round=round_obj, resident=resident).exists():
            create_home_task(round_obj, resident, reason=HomeTask.Reason.BEDRIDDEN, actor=actor, source=source)
            created += 1
    return created
