"""Writes to households and residents. Views, the API, the import, the demo and tests call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from frontline.core import audit, idnumber, phones
from frontline.core.access import require
from frontline.core.models import AuditEntry

from .models import Household, NameKey, Resident, ResidentTag
from .names import search_keys

RESIDENT_FIELDS = ("name", "id_number", "phone", "sex", "birth_date", "relation", "status", "notes")


def _check_area(area, actor):
    if area.kind not in ("compound", "building", "unit"):
        raise ValidationError({"area": _("A household belongs to a compound, a building or a unit.")})
    require(actor, "change", area.path)


# --- households -------------------------------------------------------------------------------

@transaction.atomic
def create_household(*, area, room, floor=None, notes="", actor, source="web") -> Household:
    _check_area(area, actor)
    household = Household(area=area, room=str(room).strip(), floor=floor, notes=notes)
    household.full_clean()
    household.save()
    audit.record(household, AuditEntry.Action.CREATE, actor=actor, source=source)
    return household


@transaction.atomic
def update_household(household: Household, *, actor, source="web", **fields) -> Household:
    require(actor, "change", household.area.path)
    before = audit.snapshot(household)
    if "area" in fields:
        _check_area(fields["area"], actor)
    for key in ("area", "room", "floor", "notes"):
        if key in fields:
            setattr(household, key, fields[key])
    household.full_clean()
    household.save()
    # Re-check inside the transaction: nobody moves a record out of their own reach.
    stored = Household.objects.select_related("area").get(pk=household.pk)
    require(actor, "change", stored.area.path)
    if "area" in fields:
        sync_area_paths(Resident.objects.filter(household=household), stored.area.path)
    audit.record(household, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return household


@transaction.atomic
def delete_household(household: Household, *, actor, source="web") -> None:
    require(actor, "delete", household.area.path)
    if household.residents.exists():
        raise ValidationError(_("The household still has residents; move or delete them first."))
    audit.record(household, AuditEntry.Action.DELETE, actor=actor, source=source)
    household.delete()


# --- residents --------------------------------------------------------------------------------

def normalise_resident_fields(fields: dict) -> tuple[dict, list[str]]:
    """Clean ID number and phone; derive sex and birth date. Returns (fields, warnings).

    Raises ValidationError naming the field and the rule that failed.
    """
    fields = dict(fields)
    warnings = []
    if "name" in fields:
        fields["name"] = " ".join(str(fields["name"] or "").split())
        if not fields["name"]:
            raise ValidationError({"name": _("A name is required.")})
    if fields.get("id_number"):
        try:
            parsed = idnumber.parse(fields["id_number"])
        except idnumber.IDNumberError as exc:
            raise ValidationError({"id_number": exc.message}) from None
        fields.update(id_number=parsed.number, sex=parsed.sex, birth_date=parsed.birth_date)
        warnings += [str(w) for w in parsed.warnings]
    if fields.get("phone"):
        try:
            fields["phone"] = phones.normalise(fields["phone"])
        except phones.PhoneError as exc:
            raise ValidationError({"phone": str(exc)}) from None
    return fields, warnings


def _check_unique_id(resident: Resident):
    if resident.id_number:
        twin = Resident.objects.by_id_number(resident.id_number).exclude(pk=resident.pk).first()
        if twin:
            raise ValidationError({"id_number": _("Another resident already has this ID number.")})


def rebuild_name_keys(residents) -> None:
    """Replace the search keys of ``residents`` (their households' areas are read if not loaded)."""
    residents = list(residents)
    paths = area_paths_of(residents)
    NameKey.objects.filter(resident__in=[r.pk for r in residents]).delete()
    NameKey.objects.bulk_create(name_keys_for(residents, paths))


def area_paths_of(residents) -> dict[int, str]:
    """{household id: its area's path} for the households of ``residents``, in one query."""
    ids = {r.household_id for r in residents}
    return dict(Household.objects.filter(pk__in=ids).values_list("pk", "area__path"))


def name_keys_for(residents, paths: dict[int, str]) -> list[NameKey]:
    """``paths``: {household id: area path}, as area_paths_of gives (copied onto each key)."""
    return [NameKey(resident_id=pk, key=key, area_path=path) for pk, key, path in name_key_rows(residents, paths)]


def name_key_rows(residents, paths: dict[int, str]) -> list[tuple[int, str, str]]:
    """(resident id, key, area path) for every search key of each resident's name (the bulk
    import inserts these raw). ``paths``: {household id: path of the household's area}."""
    rows = []
    for r in residents:
        path = paths[r.household_id]
        keys = search_keys(r.name) | {r.name.replace(" ", "")}
        rows += [(r.pk, k[:80], path) for k in sorted(keys) if k]
    return rows


def sync_area_paths(residents, path: str) -> None:
    """Copy ``path`` onto the search keys and special groups of ``residents`` (a queryset or a
    list of ids): after they move to another household, or their household to another area."""
    from django.apps import apps

    from frontline.core.registry import copied_paths

    ids = residents.values("pk") if hasattr(residents, "values") else list(residents)
    # Every table an app declares as copying a resident's area path (FrontlineApp.copied_paths):
    # search keys and special groups here, isolation cases, ...
    for copy in copied_paths():
        if copy.source.startswith("resident__"):
            apps.get_model(copy.model).objects.filter(resident__in=ids).exclude(**{copy.field: path}).update(**{copy.field: path})


def _set_tags(resident: Resident, tags) -> None:
    """``tags``: a list of tag names or of dicts {tag, date, detail}."""
    wanted = {}
    for item in tags:
        item = {"tag": item} if isinstance(item, str) else dict(item)
        if item["tag"] not in ResidentTag.Tag.values:
            raise ValidationError({"tags": _("Unknown special group: %(tag)s") % {"tag": item["tag"]}})
        wanted[item["tag"]] = item
    resident.tags.exclude(tag__in=wanted).delete()
    existing = {t.tag: t for t in resident.tags.all()}
    path = resident.household.area.path
    for tag, item in wanted.items():
        row = existing.get(tag) or ResidentTag(resident=resident, tag=tag)
        row.area_path = path
        row.date = item.get("date") or None
        row.detail = item.get("detail") or ""
        row.save()


@transaction.atomic
def create_resident(*, household: Household, tags=(), actor, source="web", **fields) -> Resident:
    require(actor, "change", household.area.path)
    fields, _warnings = normalise_resident_fields(fields)
    resident = Resident(household=household, **{k: v for k, v in fields.items() if k in RESIDENT_FIELDS})
    resident.full_clean()
    _check_unique_id(resident)
    resident.save()
    _set_tags(resident, tags)
    rebuild_name_keys([resident])
    audit.record(resident, AuditEntry.Action.CREATE, actor=actor, source=source)
    return resident


@transaction.atomic
def update_resident(resident: Resident, *, actor, source="web", tags=None, reason="", **fields) -> Resident:
    require(actor, "change", resident.household.area.path)
    before = audit.snapshot(resident)
    moved = "household" in fields and fields["household"].pk != resident.household_id
    if "household" in fields:
        require(actor, "change", fields["household"].area.path)
        resident.household = fields.pop("household")
    fields, _warnings = normalise_resident_fields(fields)
    for key, value in fields.items():
        if key in RESIDENT_FIELDS:
            setattr(resident, key, value)
    resident.full_clean()
    _check_unique_id(resident)
    resident.save()
    if tags is not None:
        _set_tags(resident, tags)
    if "name" in fields:
        rebuild_name_keys([resident])
    path = Resident.objects.select_related("household__area").get(pk=resident.pk).household.area.path
    require(actor, "change", path)
    if moved:
        sync_area_paths([resident.pk], path)
    audit.record(resident, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return resident


@transaction.atomic
def delete_resident(resident: Resident, *, actor, source="web", reason="") -> None:
    require(actor, "delete", resident.household.area.path)
    audit.record(resident, AuditEntry.Action.DELETE, actor=actor, source=source, reason=reason)
    resident.delete()


def reveal(resident: Resident, field: str, *, actor, reason: str, source="web") -> str:
    """Return the plaintext of a personal field, if ``actor`` may reveal it; writes an audit row
    with the reason, which every reveal states (the page asks for it as the API does)."""
    if field not in Resident.personal_fields:
        raise ValidationError(_("Not a personal field."))
    require(actor, "reveal", resident.household.area.path, _("You may not reveal personal data here."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need to see it in full; the reason is kept in the audit log.")})
    audit.record(
        resident, AuditEntry.Action.REVEAL, actor=actor, source=source, reason=reason,
        changes={"field": field},
    )
    return getattr(resident, field)
