"""What a gate phone holds offline (issue 8, hole 4; docs/checkpoints.md "What a gate phone holds").

The old snapshot sent the salt and sha256(salt:value)[:20] of every ID number and phone: a plain
loop recovered them all. These tests brute-force an entry of today's snapshot the same way and
count the numbers that stay consistent with everything the entry says.
"""

import datetime

import pytest
from django.test import Client

from frontline.accounts.models import DeviceToken
from frontline.core import idnumber
from frontline.core.personal import mask_name
from frontline.residents.names import search_keys
from tests.factories import make_id_number, resident

pytestmark = pytest.mark.django_db

BOUND = 1000  # "about 1,000 equally likely candidates", the issue's floor
ENTRY_FIELDS = {"id", "h", "n", "k", "it", "t", "rel"}


@pytest.fixture
def state(world, gate_a, family_a):
    resident(world.household_a, "欧阳娜娜", id_number=make_id_number(datetime.date(1931, 12, 1), seq=8), phone="88881234")
    resident(world.household_a, "老王", id_number=make_id_number(datetime.date(2019, 2, 28), seq=9), phone="8881234")
    _token, key = DeviceToken.issue(world.volunteer_a, "东门手机")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/v1/checkpoints/gates/{gate_a.pk}/state")
    assert response.status_code == 200
    return response.json()


def consistent_id_numbers(entry, area_code, today):
    """Every valid ID number with ``area_code`` (the attacker's best guess: the true one) and a
    birth date of someone aged 0-110 that the entry does not rule out."""
    count = 0
    day, first = today, today - datetime.timedelta(days=int(110 * 365.25))
    while day >= first:
        candidate = f"{area_code}{day:%Y%m%d}{entry['it'][:3]}"
        if entry["it"] and idnumber.check_digit(candidate) == entry["it"][3]:
            count += 1
        elif not entry["it"]:
            count += 1000  # nothing held at all: every sequence stays open
        day -= datetime.timedelta(days=1)
    return count


def consistent_phones(entry, prefix):
    """Every 11-digit phone starting with ``prefix`` (known from a masked 139****1234 seen on a
    page) that the entry does not rule out."""
    return sum(1 for middle in range(10_000) if not entry["t"] or f"{prefix}{middle:04d}{entry['t']}"[-4:] == entry["t"])


def test_snapshot_holds_no_hash_salt_age_or_full_name(world, state, family_a):
    assert "salt" not in state
    everyone = {r.pk: r for r in [*family_a.values()]}
    for entry in state["residents"]:
        assert set(entry) == ENTRY_FIELDS
        person = everyone.get(entry["id"])
        if person is None:
            continue
        assert entry["n"] == mask_name(person.name)
        assert person.name not in entry["k"]
        full_pinyin = {k for k in search_keys(person.name) if len(k) > len(person.name)}
        assert not full_pinyin & set(entry["k"])
    head = next(e for e in state["residents"] if e["id"] == world.resident_a.pk)
    assert head["n"] == "曾*明" and head["it"] == world.resident_a.id_number[-4:] and head["t"] == "0001"


def test_a_snapshot_entry_leaves_at_least_a_thousand_id_numbers(world, state, family_a):
    today = datetime.date.fromisoformat(state["generated_at"][:10])
    by_id = {e["id"]: e for e in state["residents"]}
    for person in family_a.values():
        entry = by_id[person.pk]
        count = consistent_id_numbers(entry, person.id_number[:6], today)
        assert count >= BOUND, (person.name, count)
        # The true number is among them: the count is of real candidates, not of nothing.
        assert idnumber.check_digit(person.id_number[:17]) == entry["it"][3]


def test_a_snapshot_entry_leaves_at_least_a_thousand_phones(world, state):
    entry = next(e for e in state["residents"] if e["id"] == world.resident_a.pk)
    assert consistent_phones(entry, world.resident_a.phone[:3]) >= BOUND


def test_a_short_landline_sends_no_tail(world, state):
    by_name = {e["n"]: e for e in state["residents"]}
    assert by_name["欧**娜"]["t"] == "1234"  # 8 digits: 10,000 numbers end so
    assert by_name["老*"]["t"] == ""  # 7 digits: a tail would leave only 1,000


def test_the_bound_stated_in_the_docs(world, state, family_a):
    """docs/checkpoints.md states ~3,650 ID numbers per entry (area code known) and 10,000 phones
    (first three digits known); a brute force over each family member stays within 10% of it."""
    today = datetime.date.fromisoformat(state["generated_at"][:10])
    by_id = {e["id"]: e for e in state["residents"]}
    counts = [consistent_id_numbers(by_id[p.pk], p.id_number[:6], today) for p in family_a.values()]
    assert all(3300 <= c <= 4000 for c in counts), counts


def _colliding_id_number(number: str) -> str:
    """Another valid ID number with the same last four (a visitor the offline screen mistakes)."""
    for days in range(1, 400):
        birth = datetime.date.fromisoformat(f"{number[6:10]}-{number[10:12]}-{number[12:14]}") + datetime.timedelta(days=days)
        first17 = f"{number[:6]}{birth:%Y%m%d}{number[14:17]}"
        if idnumber.check_digit(first17) == number[17]:
            return first17 + number[17]
    raise AssertionError("no collision within 400 days")


def test_an_offline_pick_by_tail_is_identified_again_from_the_typed_number_on_sync(world, gate_a):
    from frontline.checkpoints.models import Passage

    visitor_number = _colliding_id_number(world.resident_a.id_number)
    assert visitor_number[-4:] == world.resident_a.id_number[-4:] and visitor_number != world.resident_a.id_number
    _token, key = DeviceToken.issue(world.volunteer_a, "东门手机")
    phone = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    item = {"client_id": "6f1c3c9e-4a57-4a39-9a3c-2f7d0c1b9a01", "gate_id": gate_a.pk, "direction": "out",
            "value": visitor_number, "resident_id": world.resident_a.pk,
            "offline": {"decision": "allowed", "rule": "normal"}}
    r = phone.post("/api/v1/checkpoints/batch", {"items": [item]}, content_type="application/json")
    assert r.status_code == 200, r.content
    passage = Passage.objects.get()
    assert passage.resident_id != world.resident_a.pk
    # The true resident, picked with his own number, stays himself.
    item = {**item, "client_id": "6f1c3c9e-4a57-4a39-9a3c-2f7d0c1b9a02", "value": world.resident_a.id_number}
    phone.post("/api/v1/checkpoints/batch", {"items": [item]}, content_type="application/json")
    assert Passage.objects.filter(resident=world.resident_a).count() == 1
