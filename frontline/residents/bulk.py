"""Writing many residents at once: the import's write phase.

The per-record services (``services.create_resident`` and friends) do one resident in a handful
of queries; 100,000 rows that way take minutes. This path keeps their invariants and does the
same work in batches:

* validation: rows were cleaned with ``services.normalise_resident_fields`` (the same function
  the services use) and checked against the model's limits in ``ledger.RowCleaner``;
* ID-number uniqueness: matched through the lookup hash, one query per batch, in the plan;
* scope: every household lies below the target area, which the user may import into; a
  resident matched outside that scope was refused in the plan; the target is re-checked with
  fresh role assignments before the transaction commits;
* personal data: new rows get each field's value from the field's own ``pre_save`` and
  ``get_db_prep_save``, as ``bulk_create`` does (``create_objects``), so EncryptedField encrypts
  and LookupHashField / PhoneTailField compute as in ``save()``; ``bulk_update`` calls neither,
  so for updates the derived fields are computed here explicitly;
* search keys: NameKey rows from ``services.name_key_rows`` (what ``name_keys_for`` builds);
* area paths: search keys and special groups carry the path of the resident's area, as the
  services write them (``services.sync_area_paths`` when a resident changes household);
* audit: one row per created or changed record (personal fields redacted by
  ``audit.snapshot``), plus one summary row on the target area, all with the same request id.

Everything runs in ONE transaction: a failure half-way leaves nothing behind.
"""

import functools

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas import services as area_services
from frontline.areas.models import Area
from frontline.core import audit
from frontline.core.access import require
from frontline.core.bulk import chunks, create_objects, insert_rows
from frontline.core.models import AuditEntry

from .ledger import BATCH, NewArea
from .models import Household, NameKey, Resident, ResidentTag
from .services import name_key_rows, sync_area_paths

UPDATE_BATCH = 500
RESIDENT_COLUMNS = ("name", "id_number", "phone", "sex", "birth_date", "relation", "status", "notes")


@functools.lru_cache(maxsize=8)
def _audited_fields(model):
    personal = set(getattr(model, "personal_fields", ()))
    hidden = set(getattr(model, "audit_exclude", ()))
    return tuple((f.name, f.attname, f.name in personal) for f in model._meta.concrete_fields
                 if f.name not in hidden and not isinstance(f, models.AutoField))


def creation_changes(obj, extra=None) -> dict:
    """What ``audit.diff({}, audit.snapshot(obj))`` gives for a new record, without computing
    fingerprints of personal values only to redact them (a test holds the two equal).
    ``extra``: values of the model's ``audit_extra`` methods, given rather than queried."""
    changes = {}
    for name, attname, personal in _audited_fields(type(obj)):
        if personal:
            changes[name] = [audit.REDACTED, audit.REDACTED]
            continue
        value = audit._plain(getattr(obj, attname))
        if value is not None:
            changes[name] = [None, value]
    for name, value in (extra or {}).items():
        value = audit._plain(value)
        if value is not None:
            changes[name] = [None, value]
    return changes


def _snapshot(resident, tags) -> dict:
    """``audit.snapshot`` with the tag list given (it would otherwise query each resident's tags)."""
    resident.tag_list = lambda: sorted(tags)
    try:
        return audit.snapshot(resident)
    finally:
        del resident.tag_list


def write_plan(plan, *, area, user, result, source="import", progress=None):
    with transaction.atomic():
        # Imports into overlapping areas run one after another (PostgreSQL; SQLite serialises
        # writers anyway), so two of them cannot both create the same person.
        list(Area.objects.select_for_update().filter(path__in=area.ancestor_paths).order_by("path").values_list("pk"))
        writer = audit.AuditRows(user, source, batch=BATCH)
        names, paths = dict(plan.area_names), dict(plan.area_paths)
        area_ids = _create_areas(plan.new_areas, user=user, source=source, names=names, paths=paths, result=result)

        def resolve(target):
            return area_ids[target] if isinstance(target, NewArea) else target

        households = dict(plan.households)
        _create_households(plan.new_households, resolve, households, names, paths, writer, result)

        total, done = len(plan.creates) + len(plan.updates), 0
        for chunk in chunks(plan.creates, BATCH):
            _create_residents(chunk, resolve, households, paths, writer)
            done += len(chunk)
            result.created += len(chunk)
            if progress:
                progress("write", done, total)
        for chunk in chunks(plan.updates, UPDATE_BATCH):
            changed = _update_residents(chunk, resolve, households, paths, writer)
            result.updated += changed
            result.unchanged += len(chunk) - changed
            done += len(chunk)
            if progress:
                progress("write", done, total)
        writer.flush()

        user.forget_scope()
        require(user, "import", area.path, _("You may no longer import into this area."))
        audit.record(
            area, AuditEntry.Action.UPDATE, actor=user, source=source,
            reason=_("ledger import %(file)s") % {"file": result.filename} if result.filename else _("ledger import"),
            changes={"import": {
                "file": result.filename, "rows": result.rows, "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged, "skipped": result.skipped,
                "households_created": result.households_created, "areas_created": len(result.areas_created),
            }},
        )


def _create_areas(new_areas, *, user, source, names, paths, result) -> dict:
    """Buildings before units (the plan orders them); each through the area service, audited."""
    created = {}
    for new in new_areas:
        parent_id = created[new.parent] if isinstance(new.parent, NewArea) else new.parent
        parent = Area.objects.get(pk=parent_id)
        area = area_services.create_area(name=new.name, kind=new.kind, parent=parent, actor=user, source=source)
        created[new] = area.pk
        names[area.pk], paths[area.pk] = area.name, area.path
        result.areas_created.append(f"{names.get(parent_id, '')} {area.name}".strip())
    return created


def _create_households(new_households, resolve, households, names, paths, writer, result):
    pending = [Household(area_id=resolve(target), room=room, floor=floor) for (target, room), floor in new_households.items()]
    for chunk in chunks(pending, BATCH):
        create_objects(Household, chunk)
        for household in chunk:
            households[(household.area_id, household.room)] = household.pk
            writer.add_for(household, AuditEntry.Action.CREATE, creation_changes(household),
                       area_path=paths[household.area_id], label=f"{names.get(household.area_id, '')} {household.room}")
    result.households_created = len(pending)


def _create_residents(records, resolve, households, paths, writer):
    residents = []
    for record in records:
        household_id = households[(resolve(record.area), record.room)]
        residents.append(Resident(household_id=household_id, **{k: v for k, v in record.fields.items() if k in RESIDENT_COLUMNS}))
    create_objects(Resident, residents)
    area_of = {pk: area_id for (area_id, _room), pk in households.items()}
    path_of = {r.household_id: paths[area_of[r.household_id]] for r in residents}
    tags = [(r.pk, tag, None, "", path_of[r.household_id])
            for r, rec in zip(residents, records, strict=True) for tag in rec.tags or ()]
    insert_rows(ResidentTag, ("resident", "tag", "date", "detail", "area_path"), tags)
    insert_rows(NameKey, ("resident", "key", "area_path"), name_key_rows(residents, path_of))
    for resident, record in zip(residents, records, strict=True):
        writer.add_for(resident, AuditEntry.Action.CREATE, creation_changes(resident, {"tag_list": list(record.tags or ())}),
                   area_path=path_of[resident.household_id], label=resident.name)


_DERIVED = ("id_number_hash", "phone_hash", "phone_tail")


def _update_residents(records, resolve, households, paths, writer) -> int:
    """Apply rows to stored residents; returns how many changed. Empty cells keep stored values."""
    stored = Resident.objects.filter(pk__in=[r.resident_id for r in records]).prefetch_related("tags").in_bulk()
    now = timezone.now()
    changed, fields_written = [], set()
    tag_deletes, tag_creates, renamed, moved = [], [], [], {}
    audits = []
    area_of = {pk: area_id for (area_id, _room), pk in households.items()}
    for record in records:
        resident = stored[record.resident_id]
        current_tags = {t.tag: t for t in resident.tags.all()}
        before = _snapshot(resident, current_tags)
        touched = set()
        for key, value in record.fields.items():
            if key in RESIDENT_COLUMNS and getattr(resident, key) != value:
                setattr(resident, key, value)
                touched.add(key)
        household_id = households[(resolve(record.area), record.room)]
        path = paths[area_of[household_id]]
        if resident.household_id != household_id:
            resident.household_id = household_id
            touched.add("household")
            moved.setdefault(path, []).append(resident.pk)
        new_tags = set(current_tags) if record.tags is None else set(record.tags)
        if new_tags != set(current_tags):
            tag_deletes += [t.pk for tag, t in current_tags.items() if tag not in new_tags]
            tag_creates += [ResidentTag(resident_id=resident.pk, tag=tag, area_path=path) for tag in new_tags - set(current_tags)]
        if not touched and new_tags == set(current_tags):
            continue
        if "name" in touched:
            renamed.append(resident)
        if touched:
            for name in _DERIVED:
                Resident._meta.get_field(name).pre_save(resident, False)
            resident.updated_at = now
            fields_written |= touched | {"updated_at", *_DERIVED}
            changed.append(resident)
        audits.append((resident, before, new_tags))
    if changed:
        Resident.objects.bulk_update(changed, sorted(fields_written), batch_size=UPDATE_BATCH)
    if tag_deletes:
        ResidentTag.objects.filter(pk__in=tag_deletes).delete()
    if tag_creates:
        ResidentTag.objects.bulk_create(tag_creates)
    if moved:
        sync_area_paths([pk for ids in moved.values() for pk in ids])
    if renamed:
        NameKey.objects.filter(resident_id__in=[r.pk for r in renamed]).delete()
        path_of = {r.household_id: paths[area_of[r.household_id]] for r in renamed}
        insert_rows(NameKey, ("resident", "key", "area_path"), name_key_rows(renamed, path_of))
    for resident, before, new_tags in audits:
        changes = audit.diff(before, _snapshot(resident, new_tags))
        writer.add_for(resident, AuditEntry.Action.UPDATE, changes,
                   area_path=paths[area_of[resident.household_id]], label=resident.name)
    return len(audits)
