"""What a desk may find (issue 8, hole 7; services/lookup.py, docs/screening.md).

The round covers 小区A and 小区B; sampler_a holds 小区A only; 王五 (resident_c) lives in 小区C,
outside both."""

import json

import pytest

from frontline.core.models import AuditEntry
from frontline.screening.models import Sample, Visitor
from frontline.screening.services import sampling

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db
API = "/api/v1/screening"


def lookup(client, desk, q):
    return client.post(f"{API}/desks/{desk.pk}/lookup", {"q": q}, content_type="application/json")


def test_name_search_finds_only_residents_of_the_users_own_areas(screening, world, login):
    client = login(screening.sampler_a)
    assert [p["resident_id"] for p in lookup(client, screening.desk_a, world.resident_a.name).json()["people"]] == [world.resident_a.pk]
    # 小区B is in the round but not the sampler's: a name does not browse it.
    assert lookup(client, screening.desk_a, world.resident_b.name).json()["people"] == []


def test_a_scanned_id_card_inside_the_round_finds_the_person_masked_and_audited(screening, world, login):
    client = login(screening.sampler_a)
    answer = lookup(client, screening.desk_a, world.resident_b.id_number)
    assert answer.status_code == 200
    person = answer.json()["people"][0]
    assert person["resident_id"] == world.resident_b.pk and person["in_scope"] is True
    assert set(person) == {"resident_id", "name_masked", "id_masked", "address", "age", "green_reasons", "in_scope", "earlier"}
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert world.resident_b.name not in text and world.resident_b.id_number not in text
    row = AuditEntry.objects.get(action="lookup")
    assert row.actor == screening.sampler_a and row.object_id == str(world.resident_b.pk)
    # Inside the user's own areas: no audit row.
    lookup(client, screening.desk_a, world.resident_a.id_number)
    assert AuditEntry.objects.filter(action="lookup").count() == 1


def test_a_scanned_id_card_from_another_area_shows_no_address(screening, world, login):
    client = login(screening.sampler_a)
    answer = lookup(client, screening.desk_a, world.resident_c.id_number)
    person = answer.json()["people"][0]
    assert person["in_scope"] is False
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert world.resident_c.name not in text and world.household_c.room not in text
    assert world.household_c.area.name not in text and world.compound_c.name not in text
    assert AuditEntry.objects.filter(action="lookup", object_id=str(world.resident_c.pk)).exists()


def test_desk_scan_of_another_areas_resident_names_no_address(screening, world, login):
    client = login(screening.sampler_a)
    r = client.post(f"{API}/desk/scan", json.dumps(scan(screening.desk_a, tube_code(), id_number=world.resident_c.id_number)),
                    content_type="application/json")
    assert r.status_code == 409 and r.json()["code"] == "out_of_scope"
    text = json.dumps(r.json(), ensure_ascii=False)
    assert world.compound_c.name not in text and world.resident_c.name not in text and world.household_c.room not in text


def test_batch_copies_no_identity_from_another_areas_record(screening, world):
    by_card = scan(screening.desk_a, tube_code(), id_number=world.resident_c.id_number)
    by_id = scan(screening.desk_a, by_card["tube"], resident=world.resident_c.pk)
    outcomes = [o.as_dict() for o in sampling.ingest([by_card, by_id], actor=screening.sampler_a)]
    assert outcomes[0]["status"] == "created" and outcomes[0]["data"]["visitor"] is True
    # A bare resident id from another area is as unknown as one that does not exist.
    assert outcomes[1]["status"] == "rejected" and outcomes[1]["data"]["code"] == "unknown_resident"
    visitor = Visitor.objects.get()
    assert visitor.id_number == world.resident_c.id_number  # what the card showed
    assert visitor.name == "" and visitor.phone == "" and visitor.needs_details
    assert world.resident_c.name not in json.dumps(outcomes, ensure_ascii=False)
    assert Sample.objects.count() == 1


def test_labs_count_only_the_tubes_the_user_may_see(screening, world, login):
    """/screening/labs counted every lab's tubes for any logged-in user."""
    from frontline.screening.models import Tube
    from frontline.screening.services import rounds

    rounds.assign_staff(screening.desk_b, world.worker_b, actor=world.worker_b)
    sampling.ingest([scan(screening.desk_a, tube_code(), id_number=world.resident_a.id_number)], actor=screening.sampler_a)
    sampling.ingest([scan(screening.desk_b, tube_code(), id_number=world.resident_b.id_number)], actor=world.worker_b)
    assert Tube.objects.count() == 2
    Tube.objects.update(lab=screening.lab)  # as if both were sent to LAB1
    expected = {screening.sampler_a: 1, world.worker_b: 1, screening.lab_user: 2, screening.other_lab_user: 0,
                world.volunteer_a: 1, world.street_officer: 2}
    for user, tubes in expected.items():
        labs = {x["code"]: x["tubes"] for x in login(user).get(f"{API}/labs").json()}
        assert labs == {"LAB1": tubes, "LAB2": 0}, user.username
