"""checkpoints.HomeIsolation rows become isolation cases (checkpoints 0002), and the gate reads them."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("checkpoints", "0001_initial"), ("isolation", "0001_initial")]
AFTER = [("checkpoints", "0002_home_isolation_moves_to_isolation")]


@pytest.fixture
def back_to_the_latest_schema():
    """Leave the test database as every other test expects it: all migrations applied (going back
    to BEFORE also unapplies later migrations of checkpoints and of the apps that need it)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_home_isolation_rows_migrate_into_cases(world, back_to_the_latest_schema):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    HomeIsolation = old.get_model("checkpoints", "HomeIsolation")
    now = timezone.now()
    day = datetime.timedelta(days=1)
    HomeIsolation.objects.create(resident_id=world.resident_a.pk, start=now - 3 * day, end=now + 11 * day,
                                 reason="密切接触者，区疾控通知", set_by_id=world.worker_a.pk)
    HomeIsolation.objects.create(resident_id=world.resident_b.pk, start=now - 20 * day, end=now - 6 * day, reason="返乡",
                                 lifted_at=now - 6 * day, lifted_by_id=world.worker_b.pk, lift_reason="期满解除")
    # Two open rows of one person: the later stays open.
    HomeIsolation.objects.create(resident_id=world.resident_c.pk, start=now - 5 * day, end=now + 2 * day, reason="A")
    HomeIsolation.objects.create(resident_id=world.resident_c.pk, start=now - 1 * day, end=now + 13 * day, reason="B")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    from frontline.isolation.models import IsolationCase
    from frontline.isolation.status import is_isolated

    a = IsolationCase.objects.get(resident=world.resident_a)
    assert (a.kind, a.reason, a.status, a.area_path) == ("home", "close_contact", "active", world.household_a.area.path)
    assert a.source_text == "密切接触者，区疾控通知" and a.created_by_id == world.worker_a.pk
    b = IsolationCase.objects.get(resident=world.resident_b)
    assert b.status == "released" and b.release_reason == "期满解除" and b.release_override and b.released_by_id == world.worker_b.pk
    c_cases = IsolationCase.objects.filter(resident=world.resident_c).order_by("start")
    assert [c.status for c in c_cases] == ["released", "active"] and c_cases[1].source_text == "B"
    assert is_isolated(world.resident_a) and not is_isolated(world.resident_b) and is_isolated(world.resident_c)
    assert "checkpoints_homeisolation" not in connection.introspection.table_names()
