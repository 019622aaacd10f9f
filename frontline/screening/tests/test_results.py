"""Bags, lab results (never overwritten), positive pools and invalid tubes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from frontline.core.models import Alert
from frontline.screening import coverage
from frontline.screening.models import (
    BAG_MAX_TUBES,
    Bag,
    ControlFlag,
    LabResult,
    RetestItem,
    Tube,
)
from frontline.screening.services import results, sampling, transport
from frontline.screening.services.common import ScreeningError
from tests.factories import SYSTEM, area, household, resident

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db

T0 = "2022-01-05 14:30"


def fill_tube(screening, people, code=None):
    code = code or tube_code()
    sampling.ingest([scan(screening.desk_a, code, resident=p.pk) for p in people], actor=screening.sampler_a)
    seal = {"client_id": __import__("uuid").uuid4().hex, "kind": "seal", "desk": screening.desk_a.pk, "tube": code}
    if Tube.objects.get(barcode=code).status == Tube.Status.OPEN:
        sampling.ingest([seal], actor=screening.sampler_a)
    return Tube.objects.get(barcode=code)


def send(screening, *tubes, lab=None):
    bag = transport.create_bag(screening.site_a, f"BAG{timezone.now():%H%M%S%f}", actor=screening.sampler_a)
    for t in tubes:
        transport.pack_tube(bag, t.barcode, actor=screening.sampler_a)
    return transport.send_bag(bag, lab or screening.lab, actor=screening.sampler_a)


def report(actor, *rows):
    return results.report_results([results.ResultRow(*row) for row in rows], actor=actor)


def test_bag_holds_at_most_twenty_sealed_tubes(screening, world):
    bag = transport.create_bag(screening.site_a, "BAG000001", actor=screening.sampler_a)
    screening.round.pooling = "1"
    screening.round.save()
    people = screening.people(BAG_MAX_TUBES + 1)
    tubes = [fill_tube(screening, [p]) for p in people]
    for t in tubes[:BAG_MAX_TUBES]:
        transport.pack_tube(bag, t.barcode, actor=screening.sampler_a)
    with pytest.raises(ScreeningError) as info:
        transport.pack_tube(bag, tubes[-1].barcode, actor=screening.sampler_a)
    assert info.value.code == "bag_full"
    assert Bag.objects.get(pk=bag.pk).tube_count == BAG_MAX_TUBES
    assert Tube.objects.get(pk=tubes[-1].pk).status == Tube.Status.SEALED


def test_open_tube_cannot_be_packed_and_bag_barcodes_are_checked(screening, world):
    code = tube_code()
    sampling.ingest([scan(screening.desk_a, code, resident=world.resident_a.pk)], actor=screening.sampler_a)
    bag = transport.create_bag(screening.site_a, "BAG000002", actor=screening.sampler_a)
    with pytest.raises(ScreeningError) as info:
        transport.pack_tube(bag, code, actor=screening.sampler_a)
    assert info.value.code == "tube_open"
    with pytest.raises(ScreeningError) as info:
        transport.create_bag(screening.site_a, "BAG000002", actor=screening.sampler_a)
    assert info.value.code == "bag_exists"
    with pytest.raises(ScreeningError) as info:
        transport.create_bag(screening.site_a, "HS2022", actor=screening.sampler_a)
    assert info.value.code == "bad_barcode"


def test_tube_moves_open_sealed_packed_received_resulted(screening):
    tube = fill_tube(screening, screening.people(3))
    assert tube.status == Tube.Status.SEALED
    bag = send(screening, tube)
    assert Tube.objects.get(pk=tube.pk).status == Tube.Status.PACKED
    transport.receive_bag(bag.barcode, actor=screening.lab_user)
    assert Tube.objects.get(pk=tube.pk).status == Tube.Status.RECEIVED
    out = report(screening.lab_user, (tube.barcode, "阴性", T0))
    assert out[0].status == "accepted"
    tube.refresh_from_db()
    assert (tube.status, tube.result) == (Tube.Status.RESULTED, Tube.Result.NEGATIVE)


def test_other_lab_cannot_receive_or_report(screening):
    tube = fill_tube(screening, screening.people(2))
    bag = send(screening, tube)
    with pytest.raises(ScreeningError):
        transport.receive_bag(bag.barcode, actor=screening.other_lab_user)
    out = report(screening.other_lab_user, (tube.barcode, "negative", T0))
    assert out[0].status == "unknown"
    assert not LabResult.objects.exists()


def test_same_result_twice_is_a_duplicate_and_a_different_one_is_flagged_not_overwritten(screening):
    tube = fill_tube(screening, screening.people(2))
    send(screening, tube)
    assert report(screening.lab_user, (tube.barcode, "negative", T0))[0].status == "accepted"
    assert report(screening.lab_user, (tube.barcode, "negative", T0))[0].status == "duplicate"
    conflict = report(screening.lab_user, (tube.barcode, "positive", "2022-01-05 16:00"))[0]
    assert conflict.status == "conflict"
    assert "review" in conflict.message.lower() or "复核" in conflict.message
    tube.refresh_from_db()
    assert tube.result == Tube.Result.NEGATIVE and tube.result_conflict is True
    assert LabResult.objects.filter(tube=tube).count() == 2
    assert LabResult.objects.conflicts().count() == 1
    # The conflicting row again is a duplicate, not a third row.
    assert report(screening.lab_user, (tube.barcode, "positive", "2022-01-05 16:00"))[0].status == "duplicate"
    assert LabResult.objects.filter(tube=tube).count() == 2
    assert Alert.objects.filter(kind="screening.result_conflict", target_id=str(tube.pk)).count() == 1
    # Nothing positive happened: no retest list, no control flags.
    assert not RetestItem.objects.exists() and not ControlFlag.objects.exists()


def test_reviewing_a_conflict_can_accept_the_new_result(screening, world):
    tube = fill_tube(screening, screening.people(2))
    send(screening, tube)
    report(screening.lab_user, (tube.barcode, "negative", T0), (tube.barcode, "positive", "2022-01-05 16:00"))
    pending = LabResult.objects.conflicts().get()
    with pytest.raises(ValidationError):
        results.review_conflict(pending, keep_accepted=False, note="", actor=world.worker_a)
    results.review_conflict(pending, keep_accepted=False, note="实验室电话确认阳性", actor=world.worker_a)
    tube.refresh_from_db()
    assert tube.result == Tube.Result.POSITIVE and tube.result_conflict is False
    assert RetestItem.objects.filter(tube=tube).count() == 2


def test_result_rows_with_unknown_tubes_bad_dates_and_bad_results(screening):
    tube = fill_tube(screening, screening.people(1))
    send(screening, tube)
    out = report(screening.lab_user, ("HS9999999999", "negative", T0), (tube.barcode, "negative", "2022-13-45 25:00"),
                 (tube.barcode, "maybe", T0), ("??", "negative", T0), (tube.barcode, "negative", "2099-01-01 00:00"))
    assert [o.status for o in out] == ["unknown", "error", "error", "error", "error"]
    assert "2022-13-45" in out[1].message
    assert not LabResult.objects.exists()
    assert Tube.objects.get(pk=tube.pk).status == Tube.Status.PACKED


def test_positive_pool_marks_everyone_flags_units_and_alerts(screening, world):
    other_unit = household(area("2单元", "unit", world.building_a), room="201")
    people = screening.people(3) + [resident(other_unit, name="邻居")]
    tube = fill_tube(screening, people)
    send(screening, tube)
    report(screening.lab_user, (tube.barcode, "阳性", T0))
    items = RetestItem.objects.filter(tube=tube)
    assert items.count() == 4
    assert {i.household_id for i in items} == {p.household_id for p in people}
    flagged = set(ControlFlag.objects.filter(tube=tube).values_list("area__name", flat=True))
    assert flagged == {"1单元", "2单元"}
    # The building leader of 1号楼 and the community's staff see the alert; 小区B's worker does not.
    assert Alert.objects.restrict(screening.leader_a).filter(kind="screening.positive_pool").count() == 2
    assert Alert.objects.restrict(world.worker_a).filter(kind="screening.positive_pool").exists()
    assert not Alert.objects.restrict(world.worker_b).exists()
    # A replayed positive changes nothing.
    report(screening.lab_user, (tube.barcode, "阳性", T0))
    assert RetestItem.objects.count() == 4 and ControlFlag.objects.count() == 2


def test_invalid_tube_puts_its_people_back_on_the_list(screening):
    people = screening.people(3)
    tube = fill_tube(screening, people)
    send(screening, tube)
    assert not {r.pk for r in coverage.not_sampled(screening.round, SYSTEM)} & {p.pk for p in people}
    report(screening.lab_user, (tube.barcode, "无效", T0))
    missing = {r.pk: r.reason for r in coverage.not_sampled(screening.round, SYSTEM)}
    assert all(missing[p.pk] == coverage.Reason.INVALID_TUBE for p in people)
    # Sampled again in a new tube: off the list, and not a "repeat".
    out = sampling.ingest([scan(screening.desk_a, tube_code(), resident=people[0].pk)], actor=screening.sampler_a)
    assert out[0].data["repeat"] is False
    assert people[0].pk not in {r.pk for r in coverage.not_sampled(screening.round, SYSTEM)}


def test_result_for_an_open_tube_is_refused(screening, world):
    code = tube_code()
    sampling.ingest([scan(screening.desk_a, code, resident=world.resident_a.pk)], actor=screening.sampler_a)
    out = report(world.street_officer, (code, "negative", T0))
    assert out[0].status == "error"


def test_time_parsing_accepts_what_labs_send():
    for text in ("2022-01-05 14:30", "2022/1/5 14:30", "2022-01-05T14:30:00+08:00", "2022年1月5日 14:30", "20220105143000"):
        value = results.parse_time(text)
        assert value is not None and value.day == 5, text
    assert results.parse_time(datetime.datetime(2022, 1, 5, 14, 30)).hour == 14
    for bad in ("", "yesterday", "2022-02-30 10:00", "05/01/22"):
        assert results.parse_time(bad) is None, bad
