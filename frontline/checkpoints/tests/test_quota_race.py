"""Two gates letting out the last quota place of one household at the same instant: exactly one
succeeds. Real concurrent PostgreSQL connections (one per thread); SQLite serialises writers
anyway, so the test runs only on PostgreSQL."""

import time

import pytest
from django.db import connection

from frontline.checkpoints import services
from frontline.checkpoints.models import HouseholdQuota, Passage, ResidentPresence
from tests.concurrency import run_together
from tests.factories import make_id_number, resident

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent PostgreSQL connections (run with DATABASE_URL=postgres://...)")


@pytest.fixture
def slow_decision(monkeypatch):
    """Hold each gate inside its decision for a moment, so both read the quota before either
    writes: without the compare-and-set write-back both would let their person out."""
    from frontline.checkpoints import decisions, policy

    real = policy.decide_quota

    def slow(**kw):
        time.sleep(0.3)
        return real(**kw)

    monkeypatch.setattr(decisions.policy, "decide_quota", slow)


@pytest.mark.parametrize("round_", range(3))
def test_two_gates_one_last_place_exactly_one_succeeds(world, policy_on, slow_decision, round_):
    policy_on(world.compound_a, "controlled", n=2, d=2)
    east = services.create_gate(compound=world.compound_a, name=f"东门{round_}", actor=world.admin)
    west = services.create_gate(compound=world.compound_a, name=f"西门{round_}", actor=world.admin)
    wife = resident(world.household_a, "刘芳", id_number=make_id_number(seq=8100 + round_))
    head = world.resident_a
    son = resident(world.household_a, "曾小雨", id_number=make_id_number(seq=8200 + round_))
    # The son takes the first of two places; the quota row exists, one place is left.
    assert services.record_passage(gate=east, actor=world.volunteer_a, direction="out",
                                   value=son.id_number).passage.rule == "quota"

    results = run_together([
        lambda: services.record_passage(gate=east, actor=world.volunteer_a, direction="out", value=head.id_number),
        lambda: services.record_passage(gate=west, actor=world.worker_a, direction="out", value=wife.id_number),
    ])
    decisions = sorted(r.passage.decision for r in results)
    assert decisions == ["allowed", "refused"]
    refused = next(r.passage for r in results if r.passage.decision == "refused")
    assert refused.rule == "quota_exhausted"
    quota = HouseholdQuota.objects.get(household=world.household_a)
    assert len(quota.people) == 2
    assert Passage.objects.filter(decision="allowed").count() == 2


def test_the_same_offline_passage_replayed_by_two_connections_is_stored_once(world, gate_a):
    import uuid

    cid = uuid.uuid4()
    results = run_together([
        lambda: services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out",
                                        value=world.resident_a.id_number, client_id=cid)
        for _ in range(3)
    ])
    assert len({r.passage.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Passage.objects.count() == 1


def test_the_same_return_home_replayed_by_two_connections_is_stored_once(world, gate_a):
    """Coming home takes no quota lock: on PostgreSQL it runs without a transaction (one write
    statement), and the passage's unique client id alone keeps a replay from being stored twice."""
    import uuid

    cid = uuid.uuid4()
    results = run_together([
        lambda: services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", temperature="36.5",
                                        value=world.resident_a.id_number, client_id=cid)
        for _ in range(3)
    ])
    assert len({r.passage.pk for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert Passage.objects.count() == 1
    assert ResidentPresence.objects.get(resident=world.resident_a).is_out is False


def test_a_return_home_is_one_write_without_begin_and_commit(world, gate_a):
    import uuid

    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        result = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", temperature="36.5",
                                         value=world.resident_a.id_number, client_id=uuid.uuid4())
    statements = [q["sql"] for q in queries.captured_queries]
    assert result.created and result.passage.decision == "allowed"
    assert not any(s.startswith(("BEGIN", "COMMIT", "SAVEPOINT")) for s in statements), statements
    writes = [s for s in statements if not s.startswith("SELECT")]
    assert len(writes) == 1 and writes[0].startswith("WITH"), writes  # passage + presence + venue check-in
    assert ResidentPresence.objects.get(resident=world.resident_a).is_out is False
    again = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", temperature="36.5",
                                    value=world.resident_a.id_number, client_id=result.passage.client_id)
    assert not again.created and again.passage.pk == result.passage.pk and Passage.objects.count() == 1


@pytest.mark.parametrize("round_", range(2))
def test_two_gates_the_first_exit_of_a_period_exactly_one_succeeds(world, policy_on, slow_decision, monkeypatch, round_):
    """No quota row yet: both gates create it (INSERT … ON CONFLICT DO NOTHING), both read it empty
    and both would let their person out; the write-back of one finds the row changed, decides
    again on what it holds now and refuses."""
    from frontline.checkpoints import decisions

    policy_on(world.compound_a, "controlled", n=1, d=2)
    east = services.create_gate(compound=world.compound_a, name=f"东门{round_}", actor=world.admin)
    west = services.create_gate(compound=world.compound_a, name=f"西门{round_}", actor=world.admin)
    wife = resident(world.household_a, "刘芳", id_number=make_id_number(seq=8300 + round_))
    head = world.resident_a
    tries = []
    real = decisions._decide_and_record

    def counted(**kw):
        tries.append(kw["ident"].resident.pk)
        return real(**kw)

    monkeypatch.setattr(decisions, "_decide_and_record", counted)
    results = run_together([
        lambda: services.record_passage(gate=east, actor=world.volunteer_a, direction="out", value=head.id_number),
        lambda: services.record_passage(gate=west, actor=world.worker_a, direction="out", value=wife.id_number),
    ])
    assert sorted(r.passage.decision for r in results) == ["allowed", "refused"]
    allowed = next(r.passage for r in results if r.passage.decision == "allowed")
    refused = next(r.passage for r in results if r.passage.decision == "refused")
    assert refused.rule == "quota_exhausted"
    assert HouseholdQuota.objects.get(household=world.household_a).people == [allowed.resident_id]
    assert Passage.objects.count() == 2
    assert len(tries) == 3  # the gate that lost decided a second time, on the row as the winner left it
