"""Writing many rows at once, faster than ``bulk_create`` where the rows are many and plain.

Django's insert compiler costs more per row than the database does: at a few hundred rows a
batch (an offline desk's upload, an import's chunk) it dominates. These helpers keep what
``bulk_create`` guarantees (each field's own ``pre_save``/``get_db_prep_save``, so encrypted
and derived fields are computed as in ``save()``; primary keys on the objects; database errors
raised as Django's, so ``except IntegrityError`` still works) and send the rows as one COPY on
PostgreSQL or one ``executemany`` on SQLite.
"""

import operator

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from . import lean

SMALL = 20


def chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def insert_rows(model, columns, rows):
    """Plain ``executemany`` INSERT (COPY on PostgreSQL; one INSERT there for a few rows) of value
    tuples: for the tables with no computed fields (search keys, tags, audit rows), where
    building a model instance per row would cost more than the insert itself."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    marks = lean.marks(columns)
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) < SMALL:
            # A few rows (a single desk scan's audit row): one INSERT, one round trip; COPY's
            # start and end cost more than the rows.
            cursor.execute(f"INSERT INTO {table} ({names}) VALUES " + ", ".join([f"({marks})"] * len(rows)),
                           [value for row in rows for value in row])
            return
        if connection.vendor == "postgresql":
            # COPY: one stream instead of a statement per row (the server's cost, not ours).
            # The raw cursor bypasses Django's error translation; restore it, so a unique
            # violation is still an IntegrityError to the caller.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        for chunk in chunks(rows, 5000):
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


# Field types whose Python value PostgreSQL's driver takes as it is (their get_db_prep_save is the
# identity there): COPY can send them untouched. SQLite needs Django's conversion (UUIDs as hex,
# datetimes as naive UTC text), so there every such field goes through the field.
_NATIVE_ON_POSTGRESQL = (models.IntegerField, models.BooleanField, models.UUIDField, models.DateTimeField,
                         models.DateField, models.DecimalField, models.FloatField)


def _goes_as_is(field, native) -> bool:
    """Whether ``field``'s Python value goes to the database untouched: plain text, foreign keys,
    and the field types in ``native`` (the driver adapts them itself)."""
    return type(field) in (models.CharField, models.TextField) or isinstance(field, models.ForeignKey) or (
        isinstance(field, native) and type(field).__module__.startswith("django."))


def value_getters(model, now):
    """For each concrete field, how to get the value bulk_create would insert: the field's own
    ``pre_save`` (encryption, lookup hashes, phone tail, auto_now) and ``get_db_prep_save``,
    short-cut only for plain text and foreign-key columns, whose values go in as they are, and on
    PostgreSQL for the field types its driver adapts itself."""
    db = connections[DEFAULT_DB_ALIAS]  # the real connection, not the per-attribute proxy
    native = _NATIVE_ON_POSTGRESQL if db.vendor == "postgresql" else ()
    getters = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            prepared = field.get_db_prep_save(now, db)
            getters.append((field, lambda obj, f=field, v=prepared: setattr(obj, f.attname, now) or v))
        elif _goes_as_is(field, native):
            getters.append((field, operator.attrgetter(field.attname)))
        else:
            getters.append((field, lambda obj, f=field: f.get_db_prep_save(f.pre_save(obj, True), db)))
    return getters


def row_preparers(model, names) -> list:
    """For each field (by name or attname), None where its Python value goes to the database as
    it is, else the function that prepares it (``get_db_prep_save``): the same rule as
    ``value_getters``, for callers that build value rows themselves. No ``pre_save`` is run, so
    this is for fields that compute nothing on save."""
    db = connections[DEFAULT_DB_ALIAS]
    native = _NATIVE_ON_POSTGRESQL if db.vendor == "postgresql" else ()
    preparers = []
    for name in names:
        field = model._meta.get_field(name)
        if field.primary_key or _goes_as_is(field, native):
            preparers.append(None)
        else:
            preparers.append(lambda value, f=field: f.get_db_prep_save(value, db))
    return preparers


def create_objects(model, objs):
    """``bulk_create(objs)`` for a model whose fields compute in ``pre_save``, as one
    ``executemany`` with primary keys reserved up front: Django's insert compiler costs more per
    row than the database does. A few rows (a single desk scan) go through one INSERT … RETURNING
    (``lean.insert`` for one row, bulk_create for a few): reserving ids first would be two round
    trips."""
    if len(objs) == 1:
        lean.insert(objs[0])
        return objs
    if len(objs) < SMALL:
        return model.objects.bulk_create(objs)
    ids = allocate_ids(model, len(objs))
    if ids is None:
        return model.objects.bulk_create(objs)
    getters = value_getters(model, timezone.now())
    rows = []
    for pk, obj in zip(ids, objs, strict=True):
        obj.pk = pk
        rows.append((pk, *[get(obj) for _field, get in getters]))
        obj._state.adding, obj._state.db = False, connection.alias
    insert_rows(model, [model._meta.pk.name, *[f.name for f, _g in getters]], rows)
    return objs


def insert_new(model, objs) -> None:
    """``bulk_create(objs, ignore_conflicts=True)`` as one hand-written ``INSERT … ON CONFLICT
    DO NOTHING`` (PostgreSQL and SQLite both take it): rows whose unique values are stored
    already are skipped. Primary keys are not set on the objects; read the rows back. Values go
    through ``value_getters``, so each field is stored as ``bulk_create`` would store it."""
    if not objs:
        return
    getters = value_getters(model, timezone.now())
    columns = ", ".join(connection.ops.quote_name(field.column) for field, _get in getters)
    row_marks = f"({lean.marks(getters)})"
    params = [get(obj) for obj in objs for _field, get in getters]
    lean.execute(f"INSERT INTO {lean.table(model)} ({columns}) VALUES {', '.join([row_marks] * len(objs))} ON CONFLICT DO NOTHING",
                 params)
