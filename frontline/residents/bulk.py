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
* search keys: NameKey rows from ``services.name_key_pairs`` (what ``name_keys_for`` builds);
* audit: one row per created or changed record (personal fields redacted by
  ``audit.snapshot``), plus one summary row on the target area, all with the same request id.

Everything runs in ONE transaction: a failure half-way leaves nothing behind.
"""

import functools
import operator

from django.core.exceptions import PermissionDenied
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas import services as area_services
from frontline.areas.models import Area
from frontline.core import audit, context
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can

from .ledger import BATCH, NewArea
from .models import Household, NameKey, Resident, ResidentTag
from .services import name_key_pairs

UPDATE_BATCH = 500
RESIDENT_COLUMNS = ("name", "id_number", "phone", "sex", "birth_date", "relation", "status", "notes")


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_rows(model, columns, rows):
    """Plain ``executemany`` INSERT (COPY on PostgreSQL) of value tuples: for the tables with no computed fields
    (search keys, tags, audit rows), where building a model instance per row would cost more
    than the insert itself."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (the server's cost, not ours).
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        for chunk in _chunks(rows, 5000):
            cursor.executemany(sql, chunk)


def allocate_ids(model, count) -> list[int] | None:
    """Reserve ``count`` primary keys for ``model`` inside the current transaction, or None where
    the database gives no safe way (then the caller uses bulk_create, which returns them)."""
    if count == 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # The import's transaction holds SQLite's write lock (BEGIN IMMEDIATE), so nobody else
            # inserts meanwhile. AUTOINCREMENT never reuses the id of a deleted row: start past
            # both the largest id and the table's sequence.
            quote = connection.ops.quote_name
            cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            start = max(highest, row[0] if row else 0) + 1
            return list(range(start, start + count))
    return None


def _value_getters(model, now):
    """For each concrete field, how to get the value bulk_create would insert: the field's own
    ``pre_save`` (encryption, lookup hashes, phone tail, auto_now) and ``get_db_prep_save``,
    short-cut only for plain text and foreign-key columns, whose values go in as they are."""
    getters = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            prepared = field.get_db_prep_save(now, connection)
            getters.append((field, lambda obj, f=field, v=prepared: setattr(obj, f.attname, now) or v))
        elif type(field) in (models.CharField, models.TextField) or isinstance(field, models.ForeignKey):
            getters.append((field, operator.attrgetter(field.attname)))
        else:
            getters.append((field, lambda obj, f=field: f.get_db_prep_save(f.pre_save(obj, True), connection)))
    return getters


def create_objects(model, objs):
    """``bulk_create(objs)`` for a model whose fields compute in ``pre_save``, as one
    ``executemany`` with primary keys reserved up front: Django's insert compiler costs more per
    row than the database does. Falls back to bulk_create where ids cannot be reserved."""
    ids = allocate_ids(model, len(objs))
    if ids is None:
        return model.objects.bulk_create(objs)
    getters = _value_getters(model, timezone.now())
    rows = []
    for pk, obj in zip(ids, objs, strict=True):
        obj.pk = pk
        rows.append((pk, *[get(obj) for _field, get in getters]))
        obj._state.adding, obj._state.db = False, connection.alias
    insert_rows(model, [model._meta.pk.name, *[f.name for f, _g in getters]], rows)
    return objs


class _AuditWriter:
    """Collects audit rows and writes them in batches (``audit.record`` writes one at a time).
    The rows are exactly what ``audit.record`` writes: same fields, same redaction."""

    COLUMNS = ("actor", "actor_name", "request_id", "source", "action", "model", "object_id",
               "object_repr", "area_path", "changes", "reason", "at")

    def __init__(self, user, source):
        self.actor_id = getattr(user, "pk", None)
        self.actor_name = getattr(user, "username", "") or "system"
        self.source = source
        self.request_id = context.request_id()
        self.at = AuditEntry._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
        self.changes_field = AuditEntry._meta.get_field("changes")
        self.pending = []

    def add(self, obj, action, changes, *, area_path, label):
        self.pending.append((
            self.actor_id, self.actor_name, self.request_id, self.source, action, obj._meta.label_lower,
            str(obj.pk), label[:200], area_path, self.changes_field.get_db_prep_save(changes, connection), "", self.at,
        ))
        if len(self.pending) >= BATCH:
            self.flush()

    def flush(self):
        insert_rows(AuditEntry, self.COLUMNS, self.pending)
        self.pending = []


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
        writer = _AuditWriter(user, source)
        names, paths = dict(plan.area_names), dict(plan.area_paths)
        area_ids = _create_areas(plan.new_areas, user=user, source=source, names=names, paths=paths, result=result)

        def resolve(target):
            return area_ids[target] if isinstance(target, NewArea) else target

        households = dict(plan.households)
        _create_households(plan.new_households, resolve, households, names, paths, writer, result)

        total, done = len(plan.creates) + len(plan.updates), 0
        for chunk in _chunks(plan.creates, BATCH):
            _create_residents(chunk, resolve, households, paths, writer)
            done += len(chunk)
            result.created += len(chunk)
            if progress:
                progress("write", done, total)
        for chunk in _chunks(plan.updates, UPDATE_BATCH):
            changed = _update_residents(chunk, resolve, households, paths, writer)
            result.updated += changed
            result.unchanged += len(chunk) - changed
            done += len(chunk)
            if progress:
                progress("write", done, total)
        writer.flush()

        if user is not None:
            user.forget_scope()
            if not user_can(user, "import", area.path):
                raise PermissionDenied(_("You may no longer import into this area."))
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
    for chunk in _chunks(pending, BATCH):
        create_objects(Household, chunk)
        for household in chunk:
            households[(household.area_id, household.room)] = household.pk
            writer.add(household, AuditEntry.Action.CREATE, creation_changes(household),
                       area_path=paths[household.area_id], label=f"{names.get(household.area_id, '')} {household.room}")
    result.households_created = len(pending)


def _create_residents(records, resolve, households, paths, writer):
    residents = []
    for record in records:
        household_id = households[(resolve(record.area), record.room)]
        residents.append(Resident(household_id=household_id, **{k: v for k, v in record.fields.items() if k in RESIDENT_COLUMNS}))
    create_objects(Resident, residents)
    tags = [(r.pk, tag, None, "") for r, rec in zip(residents, records, strict=True) for tag in rec.tags or ()]
    insert_rows(ResidentTag, ("resident", "tag", "date", "detail"), tags)
    insert_rows(NameKey, ("resident", "key"), name_key_pairs(residents))
    area_of = {pk: area_id for (area_id, _room), pk in households.items()}
    for resident, record in zip(residents, records, strict=True):
        writer.add(resident, AuditEntry.Action.CREATE, creation_changes(resident, {"tag_list": list(record.tags or ())}),
                   area_path=paths[area_of[resident.household_id]], label=resident.name)


_DERIVED = ("id_number_hash", "phone_hash", "phone_tail")


def _update_residents(records, resolve, households, paths, writer) -> int:
    """Apply rows to stored residents; returns how many changed. Empty cells keep stored values."""
    stored = Resident.objects.filter(pk__in=[r.resident_id for r in records]).prefetch_related("tags").in_bulk()
    now = timezone.now()
    changed, fields_written = [], set()
    tag_deletes, tag_creates, renamed = [], [], []
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
        if resident.household_id != household_id:
            resident.household_id = household_id
            touched.add("household")
        new_tags = set(current_tags) if record.tags is None else set(record.tags)
        if new_tags != set(current_tags):
            tag_deletes += [t.pk for tag, t in current_tags.items() if tag not in new_tags]
            tag_creates += [ResidentTag(resident_id=resident.pk, tag=tag) for tag in new_tags - set(current_tags)]
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
    if renamed:
        NameKey.objects.filter(resident_id__in=[r.pk for r in renamed]).delete()
        insert_rows(NameKey, ("resident", "key"), name_key_pairs(renamed))
    for resident, before, new_tags in audits:
        changes = audit.diff(before, _snapshot(resident, new_tags))
        writer.add(resident, AuditEntry.Action.UPDATE, changes,
                   area_path=paths.get(area_of.get(resident.household_id), ""), label=resident.name)
    return len(audits)
