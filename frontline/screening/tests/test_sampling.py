"""The sampling engine: slots, sealing, undo, idempotent batches and every bad scan the issue names."""

import datetime
import uuid

import pytest
from django.utils import timezone

from frontline.core.models import AuditEntry
from frontline.screening import passes
from frontline.screening.models import Round, Sample, Tube, Visitor
from frontline.screening.services import rounds, sampling
from frontline.screening.services.common import ScreeningError
from tests.factories import household, make_id_number, resident

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db


def ingest(items, actor):
    return [o.as_dict() for o in sampling.ingest(items, actor=actor)]


def test_ten_scans_fill_and_seal_a_ten_in_one_tube(screening):
    people = screening.people(11)
    code = tube_code()
    results = ingest([scan(screening.desk_a, code, resident=p.pk) for p in people[:10]], screening.sampler_a)
    assert [r["status"] for r in results] == ["created"] * 10
    assert [r["data"]["slot"] for r in results] == list(range(1, 11))
    assert results[-1]["data"]["sealed"] is True and results[0]["data"]["sealed"] is False
    tube = Tube.objects.get(barcode=code)
    assert (tube.status, tube.used, tube.capacity) == (Tube.Status.SEALED, 10, 10)
    assert tube.sealed_by == screening.sampler_a

    # Scanning into the sealed tube is refused and nothing is stored.
    refused = ingest([scan(screening.desk_a, code, resident=people[10].pk)], screening.sampler_a)[0]
    assert refused["status"] == "rejected" and refused["data"]["code"] == "tube_sealed"
    assert Sample.objects.filter(tube=tube).count() == 10


@pytest.mark.parametrize("pooling,capacity", [("1", 1), ("5", 5), ("10", 10), ("20", 20)])
def test_tube_capacity_follows_the_pooling_mode(screening, pooling, capacity):
    screening.round.pooling = pooling
    screening.round.save()
    code = tube_code()
    ingest([scan(screening.desk_a, code, resident=screening.world.resident_a.pk)], screening.sampler_a)
    assert Tube.objects.get(barcode=code).capacity == capacity


def test_one_tube_per_household(screening):
    screening.round.pooling = Round.Pooling.HOUSEHOLD
    screening.round.save()
    family = household(screening.world.unit_a, room="801")
    members = [resident(family, name=n) for n in ("赵一", "赵二", "赵三")]
    code = tube_code()
    results = ingest([scan(screening.desk_a, code, resident=m.pk) for m in members[:2]], screening.sampler_a)
    assert results[0]["data"]["capacity"] == 3
    stranger = ingest([scan(screening.desk_a, code, resident=screening.world.resident_a.pk)], screening.sampler_a)[0]
    assert stranger["status"] == "rejected" and stranger["data"]["code"] == "tube_other_household"
    last = ingest([scan(screening.desk_a, code, resident=members[2].pk)], screening.sampler_a)[0]
    assert last["data"]["sealed"] is True
    assert Tube.objects.get(barcode=code).household == family


@pytest.mark.parametrize("bad", ["", "12345", "HS12", "hs-2022", "610103198501010011", "BAG20220101001", "张三"])
def test_malformed_tube_barcode_is_refused_and_nothing_stored(screening, bad):
    result = ingest([scan(screening.desk_a, bad, resident=screening.world.resident_a.pk)], screening.sampler_a)[0]
    assert result["status"] == "rejected"
    assert result["data"]["code"] == "bad_barcode"
    assert result["message"]
    assert not Sample.objects.exists() and not Tube.objects.exists()


def test_barcode_is_normalised(screening):
    result = ingest([scan(screening.desk_a, " hs２０２２０１０１０１ ", resident=screening.world.resident_a.pk)], screening.sampler_a)[0]
    assert result["status"] == "created" and result["data"]["tube"] == "HS2022010101"


def test_reused_barcode_from_another_round_is_refused(screening, world):
    code = tube_code()
    ingest([scan(screening.desk_a, code, resident=world.resident_a.pk)], screening.sampler_a)
    now = timezone.now()
    second = rounds.create_round(name="第二轮", areas=[world.compound_a], starts_at=now, ends_at=now + datetime.timedelta(hours=5),
                                 actor=world.street_officer)
    rounds.set_round_status(second, Round.Status.OPEN, actor=world.street_officer)
    desk = rounds.add_desk(rounds.add_site(second, area=world.compound_a, name="二轮点", actor=world.worker_a), name="台", actor=world.worker_a)
    result = ingest([scan(desk, code, resident=world.resident_a.pk)], screening.sampler_a)[0]
    assert result["status"] == "rejected" and result["data"]["code"] == "tube_other_round"
    assert "another round" in result["message"] or "其他" in result["message"] or "第一轮" in result["message"]
    assert Sample.objects.filter(round=second).count() == 0


def test_id_number_with_wrong_check_digit_gets_a_clear_message(screening, world):
    good = world.resident_a.id_number
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    result = ingest([scan(screening.desk_a, tube_code(), id_number=wrong)], screening.sampler_a)[0]
    assert result["status"] == "rejected" and result["data"]["code"] == "id_check"
    assert "name" in result["message"] or "姓名" in result["message"]
    assert not Sample.objects.exists()
    with pytest.raises(ScreeningError) as info:
        sampling.register(scan(screening.desk_a, tube_code(), id_number=wrong), actor=screening.sampler_a)
    assert info.value.code == "id_check" and info.value.status == 422


def test_scan_by_id_number_and_by_qr_pass(screening, world):
    code = tube_code()
    r1 = ingest([scan(screening.desk_a, code, id_number=world.resident_a.id_number.lower())], screening.sampler_a)[0]
    r2 = ingest([scan(screening.desk_a, code, **{"pass": passes.make(world.resident_b.pk)})], screening.sampler_a)[0]
    assert r1["data"]["resident_id"] == world.resident_a.pk and r2["data"]["resident_id"] == world.resident_b.pk
    assert r1["data"]["name"] == "曾*明"
    forged = ingest([scan(screening.desk_a, code, **{"pass": f"FLR1.{world.resident_b.pk}.000000000000"})], screening.sampler_a)[0]
    assert forged["status"] == "rejected" and forged["data"]["code"] == "bad_pass"


def test_resident_outside_the_round_is_warned_then_registered_as_visitor(screening, world):
    item = scan(screening.desk_a, tube_code(), id_number=world.resident_c.id_number)
    with pytest.raises(ScreeningError) as info:
        sampling.register(item, actor=screening.sampler_a)
    assert info.value.code == "out_of_scope" and info.value.status == 409
    assert not Sample.objects.exists()
    outcome = sampling.register({**item, "confirm_visitor": True}, actor=screening.sampler_a)
    assert outcome.status == "created" and outcome.data["visitor"] is True
    visitor = Visitor.objects.get()
    assert visitor.ledger_resident == world.resident_c and visitor.id_number == world.resident_c.id_number
    # At rest the ID number is encrypted.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("select id_number from screening_visitor")
        assert world.resident_c.id_number not in cur.fetchone()[0]


def test_an_id_number_on_two_ledger_entries_samples_the_one_in_the_round(screening, world):
    from frontline.residents.models import Resident

    # Old data: the same person entered again in another community after a move.
    Resident.objects.create(household=world.household_c, name="曾小明", id_number=world.resident_a.id_number)
    outcome = sampling.register(scan(screening.desk_a, tube_code(), id_number=world.resident_a.id_number), actor=screening.sampler_a)
    assert outcome.status == "created" and outcome.data["visitor"] is False
    assert Sample.objects.get().resident == world.resident_a


def test_unknown_id_number_asks_for_visitor_details_online_and_is_kept_offline(screening):
    stranger = make_id_number(birth=datetime.date(1990, 5, 5), seq=77)
    with pytest.raises(ScreeningError) as info:
        sampling.register(scan(screening.desk_a, tube_code(), id_number=stranger), actor=screening.sampler_a)
    assert info.value.code == "not_in_ledger"
    offline = ingest([scan(screening.desk_a, tube_code(), id_number=stranger)], screening.sampler_a)[0]
    assert offline["status"] == "created" and offline["data"]["visitor"] is True
    assert Visitor.objects.get().needs_details is True


def test_visitor_registration_with_name_id_and_phone(screening):
    visitor = {"name": "外来 人员", "id_number": make_id_number(seq=88), "phone": "139 0000 1111"}
    result = sampling.register(scan(screening.desk_a, tube_code(), visitor=visitor), actor=screening.sampler_a)
    assert result.data["visitor"] is True and result.data["id_masked"].count("*") == 8
    stored = Visitor.objects.get()
    assert (stored.name, stored.phone) == ("外来 人员", "13900001111")
    for bad, code in [({"name": "", "phone": "13900001111"}, "visitor_name"),
                      ({"name": "某人"}, "visitor_contact"),
                      ({"name": "某人", "phone": "12"}, "visitor_phone")]:
        with pytest.raises(ScreeningError) as info:
            sampling.register(scan(screening.desk_a, tube_code(), visitor=bad), actor=screening.sampler_a)
        assert info.value.code == code
    assert Visitor.objects.count() == 1


def test_already_sampled_is_warned_with_where_and_when_not_added_silently(screening, world):
    first = tube_code()
    sampling.register(scan(screening.desk_a, first, resident=world.resident_a.pk), actor=screening.sampler_a)
    with pytest.raises(ScreeningError) as info:
        sampling.register(scan(screening.desk_a, tube_code(), resident=world.resident_a.pk), actor=screening.sampler_a)
    assert info.value.code == "already_sampled" and info.value.status == 409
    assert info.value.details["tube"] == first and "A区广场" in info.value.details["where"] and info.value.details["at"]
    assert Sample.objects.count() == 1
    # From the offline queue the swab is already in the tube: stored, flagged and said so.
    offline = ingest([scan(screening.desk_a, tube_code(), resident=world.resident_a.pk)], screening.sampler_a)[0]
    assert offline["status"] == "created" and offline["data"]["repeat"] is True and first in offline["message"]
    # Twice in one batch is caught as well.
    batch = ingest([scan(screening.desk_a, tube_code(), resident=world.resident_b.pk) for _ in range(2)], screening.sampler_a)
    assert [r["data"]["repeat"] for r in batch] == [False, True]


def test_green_channel_for_elderly_disabled_and_pregnant(screening, world):
    old = resident(world.household_a, name="老人甲", id_number=make_id_number(birth=datetime.date(1940, 3, 3), seq=501))
    pregnant = resident(world.household_a, name="孕妇乙", id_number=make_id_number(birth=datetime.date(1995, 3, 3), sex="F", seq=502),
                        tags=["pregnant"])
    young = resident(world.household_a, name="青年丙", id_number=make_id_number(birth=datetime.date(1995, 3, 3), seq=503))
    results = ingest([scan(screening.desk_a, tube_code(), resident=p.pk) for p in (old, pregnant, young)], screening.sampler_a)
    assert [r["data"]["green_channel"] for r in results] == [True, True, False]
    assert results[0]["data"]["green_reasons"] == ["elderly"] and results[1]["data"]["green_reasons"] == ["pregnant"]


def test_undo_frees_the_last_slot_only_in_the_open_tube(screening):
    people = screening.people(4)
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=p.pk) for p in people[:3]]
    ingest(items, screening.sampler_a)
    not_last = ingest([{"client_id": str(uuid.uuid4()), "kind": "undo", "desk": screening.desk_a.pk, "target": items[0]["client_id"]}],
                      screening.sampler_a)[0]
    assert not_last["status"] == "rejected" and not_last["data"]["code"] == "not_last"
    undo = {"client_id": str(uuid.uuid4()), "kind": "undo", "desk": screening.desk_a.pk, "target": items[2]["client_id"]}
    assert ingest([undo], screening.sampler_a)[0]["status"] == "created"
    assert Tube.objects.get(barcode=code).used == 2
    again = ingest([scan(screening.desk_a, code, resident=people[3].pk)], screening.sampler_a)[0]
    assert again["data"]["slot"] == 3
    # The undone scan replayed later stays undone; the undo replayed stays one undo.
    assert ingest([items[2]], screening.sampler_a)[0]["status"] == "duplicate"
    assert ingest([undo], screening.sampler_a)[0]["status"] == "duplicate"
    assert Tube.objects.get(barcode=code).used == 3
    assert AuditEntry.objects.filter(model="screening.sample", reason__icontains="undone").exists() or \
        AuditEntry.objects.filter(model="screening.sample").exists()


def test_undo_inside_one_offline_batch(screening):
    people = screening.people(3)
    code = tube_code()
    first = scan(screening.desk_a, code, resident=people[0].pk)
    mistaken = scan(screening.desk_a, code, resident=people[1].pk)
    undo = {"client_id": str(uuid.uuid4()), "kind": "undo", "desk": screening.desk_a.pk, "target": mistaken["client_id"]}
    right = scan(screening.desk_a, code, resident=people[2].pk)
    results = ingest([first, mistaken, undo, right], screening.sampler_a)
    assert [r["status"] for r in results] == ["created"] * 4
    live = Sample.objects.filter(tube__barcode=code, voided_at__isnull=True).order_by("slot")
    assert [(s.slot, s.resident_id) for s in live] == [(1, people[0].pk), (2, people[2].pk)]
    assert Sample.objects.filter(client_id=mistaken["client_id"], voided_at__isnull=False).exists()


def test_undo_in_a_sealed_tube_is_refused(screening):
    screening.round.pooling = "5"
    screening.round.save()
    people = screening.people(5)
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=p.pk) for p in people]
    ingest(items, screening.sampler_a)
    undo = {"client_id": str(uuid.uuid4()), "kind": "undo", "desk": screening.desk_a.pk, "target": items[-1]["client_id"]}
    result = ingest([undo], screening.sampler_a)[0]
    assert result["status"] == "rejected" and result["data"]["code"] == "tube_sealed"
    assert Tube.objects.get(barcode=code).used == 5


def test_manual_seal_of_a_part_filled_tube(screening, world):
    code = tube_code()
    ingest([scan(screening.desk_a, code, resident=world.resident_a.pk)], screening.sampler_a)
    seal = {"client_id": str(uuid.uuid4()), "kind": "seal", "desk": screening.desk_a.pk, "tube": code}
    assert ingest([seal], screening.sampler_a)[0]["status"] == "created"
    assert Tube.objects.get(barcode=code).status == Tube.Status.SEALED
    empty = {"client_id": str(uuid.uuid4()), "kind": "seal", "desk": screening.desk_a.pk, "tube": tube_code()}
    assert ingest([empty], screening.sampler_a)[0]["data"]["code"] == "tube_empty"


def test_offline_batch_replayed_three_times_is_stored_once(screening):
    people = screening.people(25)
    first, second, third = tube_code(), tube_code(), tube_code()
    items = [scan(screening.desk_a, [first, second, third][i // 10], resident=p.pk) for i, p in enumerate(people)]
    answers = [ingest(items, screening.sampler_a) for _ in range(3)]
    assert [r["status"] for r in answers[0]] == ["created"] * 25
    assert [r["status"] for r in answers[1]] == ["duplicate"] * 25
    assert answers[2] == answers[1]
    assert [(r["data"]["tube"], r["data"]["slot"]) for r in answers[2]] == [(r["data"]["tube"], r["data"]["slot"]) for r in answers[0]]
    assert Sample.objects.count() == 25
    assert list(Tube.objects.order_by("barcode").values_list("barcode", "used", "status")) == [
        (first, 10, "sealed"), (second, 10, "sealed"), (third, 5, "open")]


def test_one_bad_item_does_not_spoil_the_batch(screening):
    people = screening.people(3)
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=people[0].pk), {"client_id": "not-a-uuid", "desk": screening.desk_a.pk},
             scan(screening.desk_a, code, id_number="12345"), scan(screening.desk_a, code, resident=people[1].pk)]
    results = ingest(items, screening.sampler_a)
    assert [r["status"] for r in results] == ["created", "rejected", "rejected", "created"]
    assert results[3]["data"]["slot"] == 2


def test_desk_outside_the_users_scope_is_unknown(screening, world):
    result = ingest([scan(screening.desk_b, tube_code(), resident=world.resident_b.pk)], screening.sampler_a)[0]
    assert result["status"] == "rejected" and result["data"]["code"] == "unknown_desk"
    result = ingest([scan(screening.desk_a, tube_code(), resident=world.resident_a.pk)], world.outsider)[0]
    assert result["data"]["code"] == "unknown_desk"
    assert not Sample.objects.exists()


def test_closed_round_takes_no_samples(screening, world):
    rounds.set_round_status(screening.round, Round.Status.CLOSED, actor=world.street_officer, reason="done")
    result = ingest([scan(screening.desk_a, tube_code(), resident=world.resident_a.pk)], screening.sampler_a)[0]
    assert result["data"]["code"] == "round_not_open"


def test_capacity_never_exceeded_when_two_desks_share_a_tube(screening):
    """Serial version of the race (the concurrent one runs on PostgreSQL): desk 2 finds the tube full."""
    people = screening.people(12)
    code = tube_code()
    ingest([scan(screening.desk_a, code, resident=p.pk) for p in people[:6]], screening.sampler_a)
    results = ingest([scan(screening.desk_a2, code, resident=p.pk) for p in people[6:12]], screening.sampler_a)
    assert [r["status"] for r in results] == ["created"] * 4 + ["rejected"] * 2
    assert results[-1]["data"]["code"] == "tube_sealed"
    slots = list(Sample.objects.filter(tube__barcode=code).values_list("slot", flat=True))
    assert sorted(slots) == list(range(1, 11))


def test_tube_status_for_the_desk(screening, world):
    code = tube_code()
    assert sampling.tube_status(screening.desk_a, code, actor=screening.sampler_a)["state"] == "new"
    sampling.register(scan(screening.desk_a, code, resident=world.resident_a.pk), actor=screening.sampler_a)
    status = sampling.tube_status(screening.desk_a, code, actor=screening.sampler_a)
    assert (status["state"], status["used"], status["capacity"]) == ("open", 1, 10)
    with pytest.raises(ScreeningError) as info:
        sampling.tube_status(screening.desk_a, "bad", actor=screening.sampler_a)
    assert info.value.code == "bad_barcode"


def test_every_tube_and_visitor_a_batch_writes_is_in_the_change_log(screening):
    """21 tubes (the rows go as one COPY on PostgreSQL) and a single scan (one INSERT): each
    touched tube logged with its new slots, the visitor logged with the ID number redacted."""
    people = screening.people(22)
    codes = [tube_code() for _ in range(21)]
    stranger = make_id_number(birth=datetime.date(1970, 5, 5), seq=77)
    items = [scan(screening.desk_a, code, resident=p.pk) for code, p in zip(codes, people, strict=False)]
    items.append(scan(screening.desk_a, codes[0], id_number=stranger))
    assert {r["status"] for r in ingest(items, screening.sampler_a)} == {"created"}
    single = tube_code()
    assert ingest([scan(screening.desk_a, single, resident=people[21].pk)], screening.sampler_a)[0]["status"] == "created"

    tube_rows = {e.object_repr: e for e in AuditEntry.objects.filter(model="screening.tube")}
    assert set(tube_rows) == {*codes, single}
    first = tube_rows[codes[0]]
    assert first.changes == {"slots_added": [1, 2], "used": 2, "status": Tube.Status.OPEN}
    assert (first.actor, first.actor_name, first.action, first.object_id) == (
        screening.sampler_a, "sampler_a", AuditEntry.Action.UPDATE, str(Tube.objects.get(barcode=codes[0]).pk))
    assert first.at is not None and tube_rows[single].changes["slots_added"] == [1]
    visitor_row = AuditEntry.objects.get(model="screening.visitor")
    assert visitor_row.changes == {"id_number": ["***", "***"]}
    assert not AuditEntry.objects.filter(changes__icontains=stranger).exists()
    # The rows themselves, from the batch (many rows) and from the single scan (one INSERT).
    for sample in (Sample.objects.get(tube__barcode=codes[0], slot=2), Sample.objects.get(tube__barcode=single)):
        assert (sample.round_id, sample.desk_id, sample.staff_id, sample.source, sample.area_path, sample.counts) == (
            screening.round.pk, screening.desk_a.pk, screening.sampler_a.pk, Sample.Source.DESK, screening.site_a.area.path, True)
        assert sample.client_time is not None and sample.created_at is not None and sample.voided_at is None
    assert Sample.objects.get(tube__barcode=codes[0], slot=2).visitor.id_number == stranger


def test_the_batch_writes_every_column_of_a_sample():
    """The batch builds sample rows itself (sampling._NewSample); a field added to Sample must be
    added there too, or its value would silently never be written."""
    assert list(sampling._NewSample.COLUMNS) == [f.attname for f in Sample._meta.concrete_fields]
