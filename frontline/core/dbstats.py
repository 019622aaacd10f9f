"""Planner statistics after bulk loads.

A bulk load (the ledger import, a generated city) changes a table's size and spread faster than
the database notices: SQLite keeps no statistics until ``ANALYZE`` runs (without them it read a
scoped page through the status index from the first resident of the city), and PostgreSQL's
autovacuum analyses a while later.

SQLite's full ``ANALYZE`` reads every index (about 4 s for a city of a million residents). Its
bounded form (``PRAGMA analysis_limit``) was tried and is not used: reading the first rows of
the status index it saw one status and estimated 2,001 residents per status instead of 267,937,
which is exactly the misjudgement that makes the planner pick that index.
"""

from django.db import connection


def refresh_statistics(models, *, full: bool = True) -> None:
    """Analyse the tables of ``models``.

    ``full``: SQLite runs ``ANALYZE`` on each table; otherwise ``PRAGMA optimize``, which analyses
    only the tables whose size changed a lot since their last statistics (or that have none), so
    a small import into a large database costs nothing. PostgreSQL samples each table either way.
    """
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            if full:
                for table in tables:
                    cursor.execute(f"ANALYZE {table}")
            else:
                cursor.execute("PRAGMA optimize")
        elif connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"ANALYZE {table}")
