"""Hand-written SQL for hot paths, with the values Django itself would read and write.

Building and compiling a QuerySet costs 0.5–1.5 ms of Python per query; the database answers
the same query on 127.0.0.1 in about 0.1 ms. A path that runs at hundreds of requests a second
(the gate decision) writes its few queries by hand and still gets model values right:

* ``select`` applies each column's field converters (the ones the ORM applies: SQLite's
  datetimes and booleans, decryption of EncryptedField, JSON), so a value read here is the value
  the ORM would have read;
* ``instance`` makes a model instance from some of its fields; the others are deferred, so
  touching one loads it (a query, never a wrong value);
* ``insert`` writes one instance the way ``save()`` does (each field's ``pre_save`` and
  ``get_db_prep_save``), in one ``INSERT … RETURNING``.

Table and column names come from the models' ``_meta`` (``table``, ``cols``), never typed twice.
"""

from django.db import DEFAULT_DB_ALIAS, connection, connections

# ``connection`` is a proxy that looks the thread's connection up on every attribute access
# (about 200 such lookups a decision were 15 % of its CPU); these helpers take the real one once
# per call and key their caches by model and field only (one database, one vendor per process).

_names: dict = {}


def table(model) -> str:
    found = _names.get(model)
    if found is None:
        found = _names[model] = connection.ops.quote_name(model._meta.db_table)
    return found


def column(model, name: str, alias: str = "") -> str:
    key = (model, name, alias)
    found = _names.get(key)
    if found is None:
        col = connection.ops.quote_name(model._meta.get_field(name).column)
        found = _names[key] = f"{alias}.{col}" if alias else col
    return found


def cols(model, names, alias: str = "") -> str:
    return ", ".join([column(model, n, alias) for n in names])


def marks(values) -> str:
    """One ``%s`` per value, comma-separated: the placeholders of an ``IN (…)`` or ``VALUES (…)``."""
    return ", ".join(["%s"] * len(values))


def among(expr: str, values) -> tuple[str, list]:
    """``expr`` is one of ``values``: the condition and its parameters.

    On PostgreSQL one array parameter (``= ANY(%s)``): the SQL text stays the same whatever the
    count, so the driver does not re-scan a query with hundreds of placeholders on every batch
    (which cost a 200-scan batch about 3 ms). Elsewhere an ``IN (…)`` with one mark per value."""
    values = list(values)
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        return f"{expr} = ANY(%s)", [values]
    return f"{expr} IN ({marks(values)})", values


def fields(model, names) -> list:
    return [model._meta.get_field(n) for n in names]


_converters: dict = {}


def _converters_for(field, db):
    found = _converters.get(field)
    if found is None:
        col = field.get_col(field.model._meta.db_table)
        found = _converters[field] = (col, db.ops.get_db_converters(col) + col.get_db_converters(db))
    return found


def convert(field, value, db=None):
    """``value`` as read from the database column of ``field``, as the ORM would give it."""
    if field is None or value is None and field.null:
        return value
    db = db or connections[DEFAULT_DB_ALIAS]
    col, converters = _converters_for(field, db)
    for converter in converters:
        value = converter(value, col, db)
    return value


def select(sql: str, params, columns) -> list[tuple]:
    """Rows of ``sql``; ``columns`` gives, per column, the model field whose converters apply
    (None: the value as the driver returns it — ints, strings, booleans as 0/1 on SQLite)."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Only the columns whose field has converters are touched (on PostgreSQL few have: the
    # encrypted text, JSON); a batch reads thousands of values and most pass through as they are.
    plan = []
    for index, field in enumerate(columns):
        if field is not None:
            col, converters = _converters_for(field, db)
            if converters:
                plan.append((index, col, converters, field.null))
    if not plan or not rows:
        return rows
    if len(rows[0]) != len(columns):
        raise ValueError(f"{len(columns)} columns described for rows of {len(rows[0])}")
    converted = []
    for row in rows:
        row = list(row)
        for index, col, converters, nullable in plan:
            value = row[index]
            if value is None and nullable:
                continue
            for converter in converters:
                value = converter(value, col, db)
            row[index] = value
        converted.append(tuple(row))
    return converted


def execute(sql: str, params) -> int:
    """Run a statement that returns no rows; the number of rows it touched."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def datetime_param(value):
    """An aware datetime as a parameter of hand-written SQL (SQLite stores naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def date_param(value):
    return connection.ops.adapt_datefield_value(value)


def instance(model, names, values):
    """A ``model`` instance holding ``names`` (attnames) = ``values``; other fields deferred."""
    given = dict(zip(names, values, strict=True))
    ordered = [f.attname for f in model._meta.concrete_fields if f.attname in given]  # from_db wants model order
    return model.from_db(DEFAULT_DB_ALIAS, ordered, [given[n] for n in ordered])


_insert_sql: dict = {}


def insert(obj) -> None:
    """Save a new ``obj`` like ``obj.save()`` (no signals are sent: none are connected for the
    models this is used on), in one statement; sets its primary key."""
    model = type(obj)
    db = connections[DEFAULT_DB_ALIAS]
    prepared = _insert_sql.get(model)
    if prepared is None:
        meta = model._meta
        writable = [f for f in meta.concrete_fields if not f.primary_key]
        sql = (f"INSERT INTO {table(model)} ({', '.join(connection.ops.quote_name(f.column) for f in writable)}) "
               f"VALUES ({marks(writable)}) RETURNING {connection.ops.quote_name(meta.pk.column)}")
        prepared = _insert_sql[model] = (sql, writable)
    sql, writable = prepared
    params = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in writable]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, db.alias
