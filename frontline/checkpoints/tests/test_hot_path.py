"""The gate decision's hot path (hand-written SQL, see core/lean.py): a gate phone's rights are
read fresh on every passage, the stored rows are what the ORM reads back, and the decision
stays within its query budget."""

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontline.accounts import services as account_services
from frontline.accounts.models import DeviceToken, RoleAssignment
from frontline.checkpoints import services
from frontline.checkpoints.models import HouseholdQuota, Passage, ResidentPresence, VenueScan

pytestmark = pytest.mark.django_db
PASSAGES = "/api/v1/checkpoints/passages"


def _phone(user):
    token, key = DeviceToken.issue(user, "东门手机")
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _pass(client, gate, resident, direction="out", **extra):
    body = {"gate_id": gate.pk, "direction": direction, "value": resident.id_number, "health_code": "green",
            "client_id": str(uuid.uuid4()), **extra}
    return client.post(PASSAGES, json.dumps(body), content_type="application/json")


def test_a_revoked_token_is_refused_on_the_very_next_passage(world, gate_a):
    token, phone = _phone(world.volunteer_a)
    assert _pass(phone, gate_a, world.resident_a).status_code == 201
    account_services.revoke_token(token, actor=world.volunteer_a)
    assert _pass(phone, gate_a, world.resident_a).status_code == 401
    assert Passage.objects.count() == 1


def test_a_deactivated_user_or_a_removed_role_takes_effect_at_once(world, gate_a):
    _token, phone = _phone(world.volunteer_a)
    assert _pass(phone, gate_a, world.resident_a).status_code == 201
    RoleAssignment.objects.filter(user=world.volunteer_a).delete()
    assert _pass(phone, gate_a, world.resident_a).status_code == 404  # the gate is outside their areas now
    RoleAssignment.objects.create(user=world.volunteer_a, role="volunteer", area=world.compound_a)
    assert _pass(phone, gate_a, world.resident_a).status_code == 201
    world.volunteer_a.is_active = False
    world.volunteer_a.save(update_fields=["is_active"])
    assert _pass(phone, gate_a, world.resident_a).status_code == 401
    assert Passage.objects.count() == 2


def test_a_gate_of_another_compound_is_404_and_nothing_is_recorded(world, gate_b):
    _token, phone = _phone(world.volunteer_a)
    assert _pass(phone, gate_b, world.resident_b).status_code == 404
    assert not Passage.objects.exists()


def test_the_stored_rows_read_back_as_the_decision_answered(world, gate_a, policy_on):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    _token, phone = _phone(world.volunteer_a)
    r = _pass(phone, gate_a, world.resident_a, client_time="2026-03-01T08:00:00+08:00")
    assert r.status_code == 201, r.content
    data = r.json()
    stored = Passage.objects.select_related("resident", "staff").get(pk=data["id"])
    assert (stored.decision, stored.rule, stored.method) == ("allowed", "quota", "id_number")
    assert str(stored.client_id) == data["client_id"] and stored.staff == world.volunteer_a
    assert stored.client_time == datetime.datetime(2026, 3, 1, 0, 0, tzinfo=datetime.UTC)
    assert abs((timezone.now() - stored.at).total_seconds()) < 60
    assert stored.household_id == world.household_a.pk and data["resident"]["name"] == "曾*明"
    assert HouseholdQuota.objects.get(household=world.household_a).people == [world.resident_a.pk]
    presence = ResidentPresence.objects.get(resident=world.resident_a)
    assert presence.is_out and presence.since == stored.at and presence.gate_id == gate_a.pk
    scan = VenueScan.objects.get(resident=world.resident_a)
    assert scan.venue == services.gate_venue(gate_a) and scan.scanned_at == stored.at
    assert scan.person_hash == world.resident_a.id_number_hash
    back = _pass(phone, gate_a, world.resident_a, direction="in", temperature="36.6")
    assert back.status_code == 201 and back.json()["rule"] == "return_home"
    presence.refresh_from_db()
    assert not presence.is_out


def test_a_decision_stays_within_its_query_budget(world, gate_a, policy_on):
    """Auth (token + user + roles), gate, identify, policy + exemption + isolation (+ the quota
    row and who used it, on PostgreSQL), then passage + quota + presence + venue scan (one
    statement on PostgreSQL; on SQLite a quota lock first and four writes). A replayed client id
    is caught by the passage's unique index, not looked up first. A controlled exit is 5
    statements on PostgreSQL, 9 on SQLite, plus the transaction's own."""
    policy_on(world.compound_a, "controlled", n=1, d=2)
    _token, phone = _phone(world.volunteer_a)
    _pass(phone, gate_a, world.resident_a)  # the token's first use also marks it used
    with CaptureQueriesContext(connection) as queries:
        r = _pass(phone, gate_a, world.resident_a)
    assert r.status_code == 201 and r.json()["rule"] == "quota_same_person"
    own = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")  # the transaction's (a savepoint inside a test)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(own)]
    assert len(statements) <= (5 if connection.vendor == "postgresql" else 9), "\n".join(statements)


def test_the_decision_statements_are_prepared_on_postgresql(world, gate_a, policy_on, settings):
    """Planning is most of what these statements cost PostgreSQL: they are prepared once per
    connection (lean.py), unless LEAN_PREPARED_STATEMENTS is off (a pooler in transaction mode)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from frontline.checkpoints.decisions import record_passage

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%checkpoints_passage%"])
            return cursor.fetchone()[0]

    policy_on(world.compound_a, "controlled", n=1, d=2)
    settings.LEAN_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    connection.connection._prepared.clear()  # psycopg's record of what it prepared on this connection
    record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", value=world.resident_a.id_number)
    assert prepared() == 0
    settings.LEAN_PREPARED_STATEMENTS = True
    for direction in ("out", "in", "out"):
        result = record_passage(gate=gate_a, actor=world.volunteer_a, direction=direction, value=world.resident_a.id_number)
        assert result.created and result.passage.decision == "allowed"
    assert prepared() >= 1
