"""``field__any_of=[...]``: membership in a long list as one array parameter on PostgreSQL.

``field__in=[5,000 values]`` sends 5,000 parameters, which psycopg binds one by one on the
client; ``field = ANY(%s)`` sends one array. Bulk paths (result import, ingest) use it for their
chunked look-ups. Other databases get the ordinary IN list.
"""

from django.db.models import Field, ForeignObject, Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(v) for v in self.rhs]

    def process_rhs(self, compiler, connection):
        values = [self.lhs.output_field.get_db_prep_value(v, connection, prepared=True) for v in self.rhs]
        return "%s", [values]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]

    def as_sql(self, compiler, connection):
        return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)  # tube_id__any_of: related fields keep their own lookup table
