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
  ``get_db_prep_save``), in one ``INSERT … RETURNING``; ``insert_with`` adds other writes of
  the same moment to that one statement on PostgreSQL.

Table and column names come from the models' ``_meta`` (``table``, ``cols``), never typed twice.
On PostgreSQL the statements are prepared once per connection (``_cursor``): planning, not the
round trip, was most of what they cost the database.
"""

import re

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections

try:
    import psycopg
except ImportError:  # an SQLite-only install
    psycopg = None

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


if psycopg is not None:

    class _PreparedCursor(psycopg.Cursor):
        """Server-side binding, and each statement prepared on its first run on a connection.

        Planning is most of what these short statements cost PostgreSQL: the policy query
        took 0.31 ms of backend CPU with its values inlined (Django's default client-side
        binding) and 0.04 ms prepared, the client 0.09 ms and 0.03 ms. Django leaves prepared
        statements off for connection poolers in transaction mode (PgBouncer before 1.21);
        ``LEAN_PREPARED_STATEMENTS = False`` turns them off here too."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)


def _cursor(db, params=()):
    """A Django cursor (error wrapping, health check as ``db.cursor()``) whose statements are
    prepared on PostgreSQL; ``db.cursor()`` elsewhere, and while queries are logged (DEBUG,
    a test counting them: the log then shows each statement with its values), and for a
    statement of many parameters (a batch: its planning is shared by its many rows, each
    length of its IN list would be one more prepared statement, and server-side binding
    allows at most 65,535 parameters)."""
    if (psycopg is None or db.vendor != "postgresql" or db.queries_logged or len(params) > _PREPARE_MAX_PARAMS
            or not getattr(settings, "LEAN_PREPARED_STATEMENTS", True)):
        return db.cursor()
    db.close_if_health_check_failed()
    db.ensure_connection()
    if db.connection.prepare_threshold is None:
        # Django sets None (nothing is ever prepared, even on request). Any number lets this
        # cursor's prepare=True work; Django's own cursors bind on the client and never prepare.
        db.connection.prepare_threshold = _NEVER_UNASKED
    with db.wrap_database_errors:
        return db._prepare_cursor(_PreparedCursor(db.connection))


_NEVER_UNASKED = 2**31  # no statement is prepared for being run often, only when asked
_PREPARE_MAX_PARAMS = 100


_converters: dict = {}


def _converters_for(field, db):
    found = _converters.get(field)
    if found is None:
        col = field.get_col(field.model._meta.db_table)
        found = _converters[field] = (col, db.ops.get_db_converters(col) + col.get_db_converters(db))
    return found


def select(sql: str, params, columns) -> list[tuple]:
    """Rows of ``sql``; ``columns`` gives, per column, the model field whose converters apply
    (None: the value as the driver returns it — ints, strings, booleans as 0/1 on SQLite)."""
    db = connections[DEFAULT_DB_ALIAS]
    with _cursor(db, params) as cursor:
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
    with _cursor(connections[DEFAULT_DB_ALIAS], params) as cursor:
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


def insert_statement(obj, returning=True) -> tuple[str, list]:
    """The ``INSERT`` (``… RETURNING pk`` by default) that saves a new ``obj`` like ``obj.save()``
    (each field's ``pre_save`` and ``get_db_prep_save``), and its parameters."""
    model = type(obj)
    db = connections[DEFAULT_DB_ALIAS]
    prepared = _insert_sql.get(model)
    if prepared is None:
        meta = model._meta
        writable = [f for f in meta.concrete_fields if not f.primary_key]
        sql = (f"INSERT INTO {table(model)} ({', '.join(connection.ops.quote_name(f.column) for f in writable)}) "
               f"VALUES ({marks(writable)})")
        prepared = _insert_sql[model] = (sql, f" RETURNING {connection.ops.quote_name(meta.pk.column)}", writable)
    sql, returning_pk, writable = prepared
    return sql + returning_pk if returning else sql, [f.get_db_prep_save(f.pre_save(obj, True), db) for f in writable]


def _saved(obj, pk) -> None:
    obj.pk = pk
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS


def insert(obj) -> None:
    """Save a new ``obj`` like ``obj.save()`` (no signals are sent: none are connected for the
    models this is used on), in one statement; sets its primary key."""
    sql, params = insert_statement(obj)
    with _cursor(connections[DEFAULT_DB_ALIAS], params) as cursor:
        cursor.execute(sql, params)
        _saved(obj, cursor.fetchone()[0])


def writes_in_one_statement() -> bool:
    """Whether ``insert_with`` writes in one statement (atomic without a transaction around it)."""
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def insert_with(obj, statements, guard=None) -> bool:
    """Insert ``obj`` (as ``insert``) and run ``statements`` — (sql, params) pairs of INSERT or
    UPDATE statements that return no rows and do not read what the others write.

    On PostgreSQL they all go as one statement (data-modifying WITH queries): one round trip and
    one statement's overhead instead of one each; a failing part fails the whole statement, as
    it would fail the transaction around separate ones. Other databases run them one by one.

    ``guard`` (PostgreSQL only): an UPDATE (sql, params) that must touch a row for anything to be
    written — a compare-and-set. Every INSERT … VALUES (…) then becomes INSERT … SELECT … WHERE
    the guard touched its row. Returns False (nothing written) when it touched none."""
    statements = [s for s in statements if s]
    db = connections[DEFAULT_DB_ALIAS]
    if not writes_in_one_statement():
        if guard is not None:
            raise ValueError("a guarded write needs PostgreSQL")
        insert(obj)
        for sql, params in statements:
            execute(sql, params)
        return True
    if not statements and guard is None:
        insert(obj)
        return True
    sql, params = insert_statement(obj)
    parts, all_params = [], []
    if guard is not None:
        parts.append(f"guard AS ({guard[0]} RETURNING 1)")
        all_params.extend(guard[1])
    parts.append(f"inserted AS ({_guarded(sql) if guard is not None else sql})")
    all_params.extend(params)
    for n, (part, part_params) in enumerate(statements):
        parts.append(f"w{n} AS ({_guarded(part) if guard is not None else part})")
        all_params.extend(part_params)
    # A guarded write (a quota place taken: once a household a period) keeps client-side binding:
    # in INSERT … SELECT the server could not infer the parameters' types from the columns.
    with (db.cursor() if guard is not None else _cursor(db, all_params)) as cursor:
        cursor.execute(f"WITH {', '.join(parts)} SELECT * FROM inserted", all_params)
        row = cursor.fetchone()
    if row is None:
        return False
    _saved(obj, row[0])
    return True


_VALUES = re.compile(r" VALUES \(((?:%s, )*%s)\)")


def _guarded(sql: str) -> str:
    """``INSERT … VALUES (%s, …)`` as ``INSERT … SELECT %s, … WHERE EXISTS (SELECT 1 FROM guard)``."""
    guarded, count = _VALUES.subn(r" SELECT \1 WHERE EXISTS (SELECT 1 FROM guard)", sql, count=1)
    if not count:
        raise ValueError(f"not an INSERT … VALUES (…): {sql[:60]}")
    return guarded
