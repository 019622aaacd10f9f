"""After an offline sync: what the server would have questioned is flagged, listed for the desk
and kept or undone through services/review.py (actor, change log, slot freed)."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from frontline.core.models import AuditEntry
from frontline.screening.models import Sample, Tube
from frontline.screening.services import review, sampling
from tests.factories import make_id_number

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db

API = "/api/v1/screening"


def post(client, url, data):
    return client.post(f"{API}{url}", json.dumps(data), content_type="application/json")


def test_offline_batch_flags_repeat_and_not_in_ledger_but_not_confirmed_scans(screening, world):
    person = screening.people(1)[0]
    code = tube_code()
    stranger = make_id_number(seq=777)
    items = [
        scan(screening.desk_a, code, id_number=person.id_number),
        scan(screening.desk_a, code, id_number=person.id_number),  # the same person again, offline
        scan(screening.desk_a, code, id_number=stranger),  # not in the ledger, offline
        scan(screening.desk_a, code, id_number=world.resident_c.id_number),  # outside the round's areas
        scan(screening.desk_a, code, resident=person.pk, confirm_repeat=True),  # confirmed online: not questioned
    ]
    outcomes = sampling.ingest(items, actor=screening.sampler_a)
    assert [o.status for o in outcomes] == ["created"] * 5
    flags = [(o.data["needs_review"], o.data["review_reasons"]) for o in outcomes]
    assert flags == [(False, []), (True, ["already_sampled"]), (True, ["not_in_ledger"]), (True, ["out_of_scope"]), (False, [])]
    stored = list(Sample.objects.order_by("slot").values_list("needs_review", "review_reasons"))
    assert stored == [(False, ""), (True, "already_sampled"), (True, "not_in_ledger"), (True, "out_of_scope"), (False, "")]


def _questioned(screening, n_before=0):
    people = screening.people(n_before + 1)
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=p.pk) for p in people]
    items.append(scan(screening.desk_a, code, id_number=people[0].id_number))  # a second swab of the first person
    sampling.ingest(items, actor=screening.sampler_a)
    return Sample.objects.get(needs_review=True), Tube.objects.get(barcode=code)


def test_the_desk_lists_questioned_scans_masked_until_kept(screening, login):
    sample, _tube = _questioned(screening)
    client = login(screening.sampler_a)
    listed = client.get(f"{API}/desks/{screening.desk_a.pk}/review").json()
    assert [i["sample_id"] for i in listed] == [sample.pk]
    item = listed[0]
    assert item["reasons"] == ["already_sampled"] and item["reason_text"] == "本轮已采过"
    assert item["earlier"] == f"{sample.tube.barcode} #1" and item["slot"] == 2
    assert item["name"] == "居***0" and "*" in item["id_masked"]
    assert sample.resident.id_number not in json.dumps(listed)
    answer = post(client, f"/samples/{sample.pk}/review", {"decision": "keep"})
    assert answer.status_code == 200
    assert client.get(f"{API}/desks/{screening.desk_a.pk}/review").json() == []
    sample.refresh_from_db()
    assert sample.reviewed_by == screening.sampler_a and sample.voided_at is None
    assert AuditEntry.objects.filter(model="screening.sample", object_id=str(sample.pk), reason="复核后保留").count() == 1
    # Looked at already: a second decision is refused, not applied twice.
    assert post(client, f"/samples/{sample.pk}/review", {"decision": "undo", "reason": "x"}).status_code == 409


def test_undo_voids_with_a_reason_and_frees_the_last_slot(screening, login):
    sample, tube = _questioned(screening, n_before=2)
    assert (tube.used, sample.slot) == (4, 4)
    client = login(screening.sampler_a)
    assert post(client, f"/samples/{sample.pk}/review", {"decision": "undo"}).status_code == 422  # a reason is required
    answer = post(client, f"/samples/{sample.pk}/review", {"decision": "undo", "reason": "重复采样"})
    assert answer.status_code == 200
    sample.refresh_from_db()
    tube.refresh_from_db()
    assert sample.voided_at is not None and sample.void_reason == "重复采样" and not sample.counts
    assert tube.used == 3  # the slot is free for the next person
    assert AuditEntry.objects.filter(model="screening.sample", object_id=str(sample.pk), reason="重复采样").exists()
    assert AuditEntry.objects.filter(model="screening.tube", object_id=str(tube.pk), reason="重复采样").exists()
    # The next scan takes the freed slot.
    nxt = screening.people(1, start=50)[0]
    outcome = sampling.ingest([scan(screening.desk_a, tube.barcode, resident=nxt.pk)], actor=screening.sampler_a)[0]
    assert outcome.data["slot"] == 4


def test_undo_in_the_middle_of_a_tube_keeps_the_count(screening):
    sample, tube = _questioned(screening)
    nxt = screening.people(1, start=60)[0]
    sampling.ingest([scan(screening.desk_a, tube.barcode, resident=nxt.pk)], actor=screening.sampler_a)
    review.undo(sample, actor=screening.sampler_a, reason="重复")
    tube.refresh_from_db()
    assert tube.used == 3  # slot 2 keeps its swab; only the sample stops counting


def test_review_is_scoped(screening, world, login):
    sample, _tube = _questioned(screening)
    client = login(world.worker_b)
    assert client.get(f"{API}/desks/{screening.desk_a.pk}/review").status_code == 404
    assert post(client, f"/samples/{sample.pk}/review", {"decision": "keep"}).status_code == 404
    with pytest.raises(PermissionDenied):
        review.keep(sample, actor=None)
