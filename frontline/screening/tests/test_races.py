"""Races with real concurrent connections (PostgreSQL only: SQLite serialises writers anyway).

Two desks scanning into one open tube at the same instant must never pass its capacity or use a
slot twice; a batch replayed by three connections at once must be stored once.
"""

import uuid

import pytest
from django.db import connection

from frontline.screening.models import Sample, Tube
from frontline.screening.services import sampling
from tests.concurrency import run_together

from .conftest import scan, tube_code

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent PostgreSQL connections"),
]


def test_two_desks_into_one_tube_at_the_same_instant(screening):
    people = screening.people(40)
    for attempt in range(5):
        code = tube_code()
        batch_a = [scan(screening.desk_a, code, resident=p.pk) for p in people[attempt * 8: attempt * 8 + 4]]
        batch_b = [scan(screening.desk_a2, code, resident=p.pk) for p in people[attempt * 8 + 4: attempt * 8 + 8]]
        # Each desk scans one person at a time, as the single-scan API does, racing the other desk.
        jobs = [lambda items=batch_a: [sampling.ingest([i], actor=screening.sampler_a)[0].status for i in items],
                lambda items=batch_b: [sampling.ingest([i], actor=screening.sampler_a)[0].status for i in items]]
        run_together(jobs)
        tube = Tube.objects.get(barcode=code)
        slots = sorted(Sample.objects.filter(tube=tube, voided_at__isnull=True).values_list("slot", flat=True))
        assert slots == list(range(1, len(slots) + 1))
        assert tube.used == len(slots) == 8


def test_two_desks_overfilling_one_tube_never_pass_capacity(screening):
    people = screening.people(30)
    code = tube_code()
    batch_a = [scan(screening.desk_a, code, resident=p.pk) for p in people[:15]]
    batch_b = [scan(screening.desk_a2, code, resident=p.pk) for p in people[15:]]
    outcomes = run_together([
        lambda: [sampling.ingest([i], actor=screening.sampler_a)[0].status for i in batch_a],
        lambda: [sampling.ingest([i], actor=screening.sampler_a)[0].status for i in batch_b],
    ])
    created = sum(s == "created" for statuses in outcomes for s in statuses)
    tube = Tube.objects.get(barcode=code)
    slots = sorted(Sample.objects.filter(tube=tube).values_list("slot", flat=True))
    assert created == 10 and tube.used == 10 and tube.status == Tube.Status.SEALED
    assert slots == list(range(1, 11))


def test_same_batch_replayed_by_three_connections_at_once(screening):
    people = screening.people(25)
    codes = [tube_code() for _ in range(3)]
    items = [scan(screening.desk_a, codes[i // 10], resident=p.pk) for i, p in enumerate(people)]
    outcomes = run_together([lambda: [o.status for o in sampling.ingest(items, actor=screening.sampler_a)] for _ in range(3)])
    assert Sample.objects.count() == 25
    for n in range(25):
        assert sorted(o[n] for o in outcomes) == ["created", "duplicate", "duplicate"]
    assert sorted(Tube.objects.values_list("used", flat=True)) == [5, 10, 10]


def test_two_desks_opening_the_same_new_tube(screening):
    people = screening.people(2)
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=people[0].pk), scan(screening.desk_a2, code, resident=people[1].pk)]
    run_together([lambda item=item: sampling.ingest([item], actor=screening.sampler_a)[0].status for item in items])
    assert Tube.objects.filter(barcode=code).count() == 1
    assert sorted(Sample.objects.values_list("slot", flat=True)) == [1, 2]
    assert uuid.UUID(items[0]["client_id"])
