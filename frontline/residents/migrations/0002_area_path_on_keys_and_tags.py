"""Search keys and special groups carry the path of the resident's area.

A name or group filter inside a subtree (a community worker's, a street officer's) was a lookup of
every match in the city followed by a join to each one's household and area; with the path on the
row, it is one range of an index (key, area_path, resident) or (tag, area_path, resident). The
single-column index on the key is dropped: the new index starts with the key and serves the same
prefix searches.

On SQLite the columns are added with ALTER TABLE (Django would copy the whole table to add a NOT
NULL column; a table of three million keys is a minute of copying for nothing). The existing rows
are then filled from their resident's household's area in one UPDATE per table, after the old
key index is dropped and before the new indexes are built (neither is kept up row by row).
"""

from django.db import migrations, models

TABLES = ("residents_namekey", "residents_residenttag")


def path_field():
    # This runs before the state knows the field (SeparateDatabaseAndState), so it is built here.
    field = models.CharField(default="", editable=False, max_length=120)
    field.set_attributes_from_name("area_path")
    return field


def add_path_columns(apps, schema_editor):
    for model_name in ("NameKey", "ResidentTag"):
        model = apps.get_model("residents", model_name)
        field = path_field()
        if schema_editor.connection.vendor == "sqlite":
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN \"area_path\" varchar(120) NOT NULL DEFAULT ''")
        else:
            schema_editor.add_field(model, field)


def drop_path_columns(apps, schema_editor):
    for model_name in ("NameKey", "ResidentTag"):
        model = apps.get_model("residents", model_name)
        schema_editor.remove_field(model, path_field())


def fill_paths(apps, schema_editor):
    for table in TABLES:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"UPDATE {table} AS t SET area_path = a.path FROM residents_resident r "
                "JOIN residents_household h ON h.id = r.household_id JOIN areas_area a ON a.id = h.area_id "
                "WHERE r.id = t.resident_id"
            )
        else:
            schema_editor.execute(
                f"UPDATE {table} SET area_path = (SELECT a.path FROM residents_resident r "
                "JOIN residents_household h ON h.id = r.household_id JOIN areas_area a ON a.id = h.area_id "
                f"WHERE r.id = {table}.resident_id)"
            )


def drop_key_index(apps, schema_editor):
    """Drop the indexes on ``key`` alone (PostgreSQL has two: plain and pattern_ops)."""
    model = apps.get_model("residents", "NameKey")
    for name in schema_editor._constraint_names(model, ["key"], index=True, unique=False):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def restore_key_index(apps, schema_editor):
    model = apps.get_model("residents", "NameKey")
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[model._meta.get_field("key")]))


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0002_path_statistics"),
        ("residents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="namekey",
                    name="area_path",
                    field=models.CharField(default="", editable=False, max_length=120),
                ),
                migrations.AddField(
                    model_name="residenttag",
                    name="area_path",
                    field=models.CharField(default="", editable=False, max_length=120),
                ),
            ],
            database_operations=[migrations.RunPython(add_path_columns, drop_path_columns)],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="namekey", name="key", field=models.CharField(max_length=80)),
            ],
            database_operations=[migrations.RunPython(drop_key_index, restore_key_index)],
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="namekey",
            index=models.Index(fields=["key", "area_path", "resident"], name="name_key_path",
                               opclasses=["varchar_pattern_ops", "", ""]),
        ),
        migrations.AddIndex(
            model_name="residenttag",
            index=models.Index(fields=["tag", "area_path", "resident"], name="resident_tag_path"),
        ),
    ]
