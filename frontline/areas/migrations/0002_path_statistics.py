"""PostgreSQL: keep full statistics on the area path.

With the default (100 histogram buckets) the planner estimated that a community's subtree holds
one area when it holds 125 (paths share long prefixes; a bucket spans hundreds of them), then
walked every resident of the subtree instead of starting from a handful of search matches. The
area table is small (16,500 rows for a city of a million), so full statistics cost nothing.
"""

from django.db import migrations


def set_statistics(apps, schema_editor, target=10000):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE areas_area ALTER COLUMN path SET STATISTICS {int(target)}")


def reset_statistics(apps, schema_editor):
    set_statistics(apps, schema_editor, target=-1)


class Migration(migrations.Migration):
    dependencies = [("areas", "0001_initial")]

    operations = [migrations.RunPython(set_statistics, reset_statistics, elidable=False)]
