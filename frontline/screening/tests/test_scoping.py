"""Who sees which rounds, desks, tubes, samples, results and coverage."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.screening import coverage
from frontline.screening.models import Desk, Exemption, LabResult, Round, Sample, Tube
from frontline.screening.services import rounds, sampling, transport
from frontline.screening.services.results import ResultRow, report_results
from tests.factories import UserFactory, grant

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db


def test_round_is_seen_by_everyone_whose_scope_overlaps_it(screening, world):
    for user in (world.worker_a, world.worker_b, world.street_officer, world.volunteer_a, screening.sampler_a, screening.leader_a):
        assert list(Round.objects.restrict(user)) == [screening.round], user
    c_worker = grant(UserFactory(username="worker_c"), "community_worker", world.compound_c)
    assert not Round.objects.restrict(c_worker).exists()
    assert not Round.objects.restrict(world.outsider).exists()


def test_planning_a_round_needs_change_on_every_area(world):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        rounds.create_round(name="越权", areas=[world.compound_a, world.compound_b], starts_at=now,
                            ends_at=now + datetime.timedelta(hours=2), actor=world.worker_a)
    with pytest.raises(ValidationError):
        rounds.create_round(name="倒序", areas=[world.compound_a], starts_at=now, ends_at=now - datetime.timedelta(hours=2),
                            actor=world.worker_a)
    with pytest.raises(ValidationError):
        rounds.create_round(name="空", areas=[], starts_at=now, ends_at=now + datetime.timedelta(hours=2), actor=world.worker_a)
    assert not Round.objects.exists()


def test_site_must_overlap_the_round_and_staff_must_hold_a_sampling_role(screening, world):
    with pytest.raises(ValidationError):
        rounds.add_site(screening.round, area=world.compound_c, name="别处", actor=world.street_officer)
    with pytest.raises(ValidationError):
        rounds.assign_staff(screening.desk_a, world.worker_b, actor=world.worker_a)


def test_desks_tubes_and_samples_follow_the_site(screening, world):
    sampling.ingest([scan(screening.desk_a, tube_code(), resident=world.resident_a.pk)], actor=screening.sampler_a)
    sampling.ingest([scan(screening.desk_b, tube_code(), resident=world.resident_b.pk)], actor=world.worker_b)
    assert set(Desk.objects.restrict(screening.sampler_a, "sample")) == {screening.desk_a, screening.desk_a2}
    assert Tube.objects.restrict(world.worker_a).count() == 1
    assert Sample.objects.restrict(world.worker_b).get().resident == world.resident_b
    assert Tube.objects.restrict(world.street_officer).count() == 2
    assert not Tube.objects.restrict(world.outsider).exists()


def test_lab_sees_only_tubes_sent_to_it(screening, world):
    code = tube_code()
    sampling.ingest([scan(screening.desk_a, code, resident=world.resident_a.pk),
                     {"client_id": "6f1d1c1e-0000-4000-8000-000000000001", "kind": "seal", "desk": screening.desk_a.pk, "tube": code}],
                    actor=screening.sampler_a)
    assert not Tube.objects.restrict(screening.lab_user, "lab").exists()
    bag = transport.create_bag(screening.site_a, "BAG100001", actor=screening.sampler_a)
    transport.pack_tube(bag, code, actor=screening.sampler_a)
    transport.send_bag(bag, screening.lab, actor=screening.sampler_a)
    assert list(Tube.objects.restrict(screening.lab_user, "lab").values_list("barcode", flat=True)) == [code]
    assert not Tube.objects.restrict(screening.other_lab_user, "lab").exists()
    # A lab account holds no view role: residents and samples stay out of its reach.
    assert not Sample.objects.restrict(screening.lab_user).exists()
    report_results([ResultRow(code, "negative", "2022-01-05 10:00")], actor=screening.lab_user)
    assert LabResult.objects.restrict(screening.lab_user, "lab").count() == 1
    assert not LabResult.objects.restrict(screening.other_lab_user, "lab").exists()


def test_coverage_counts_expected_and_sampled_per_area(screening, world):
    people = screening.people(12)
    rounds.add_exemption(screening.round, people[11], reason=Exemption.Reason.HOSPITAL, actor=world.worker_a)
    with pytest.raises(ValidationError):
        rounds.add_exemption(screening.round, people[10], reason=Exemption.Reason.AWAY, evidence="", actor=world.worker_a)
    sampling.ingest([scan(screening.desk_a, tube_code(), resident=p.pk) for p in people[:5]], actor=screening.sampler_a)
    rows = {r.area.name: (r.expected, r.sampled) for r in coverage.coverage_rows(screening.round, world.street_officer)}
    # 小区A: 曾小明 + 12 new − 1 exempted; 小区B: 李四. 小区C is not in the round.
    assert rows == {"小区A": (12, 5), "小区B": (1, 0)}
    assert {r.area.name for r in coverage.coverage_rows(screening.round, world.worker_b)} == {"小区B"}
    buildings = coverage.coverage_rows(screening.round, world.worker_a, world.compound_a)
    assert [(r.area.name, r.expected, r.sampled, r.percent) for r in buildings] == [("1号楼", 12, 5, 41.7)]
    totals = coverage.totals(screening.round, world.street_officer)
    assert (totals["expected"], totals["sampled"], totals["missing"], totals["exempted"]) == (13, 5, 8, 1)
    missing = list(coverage.not_sampled(screening.round, world.worker_a))
    assert len(missing) == 7 and all(r.reason == coverage.Reason.NEVER for r in missing)
    assert people[11] not in missing


def test_home_task_shows_as_reason_and_completes_from_a_scan(screening, world):
    task = rounds.create_home_task(screening.round, world.resident_a, reason="bedridden", actor=world.worker_a)
    reasons = {r.pk: r.reason for r in coverage.not_sampled(screening.round, world.worker_a)}
    assert reasons[world.resident_a.pk] == coverage.Reason.HOME_TASK
    with pytest.raises(PermissionDenied):
        rounds.create_home_task(screening.round, world.resident_b, reason="bedridden", actor=world.worker_a)
    assert task.status == "open"
    outcome = sampling.complete_home_task(task, tube_code(), actor=screening.sampler_a)
    assert outcome.status == "created" and outcome.data["resident_id"] == world.resident_a.pk
    task.refresh_from_db()
    assert task.status == "done" and task.sample.resident == world.resident_a and task.done_by == screening.sampler_a
    assert world.resident_a.pk not in {r.pk for r in coverage.not_sampled(screening.round, world.worker_a)}
    assert task.sample.source == "home" and task.sample.desk is None


def test_home_task_outside_the_samplers_scope_is_unknown(screening, world):
    task = rounds.create_home_task(screening.round, world.resident_b, reason="isolated", actor=world.worker_b)
    from frontline.screening.services.common import ScreeningError

    with pytest.raises(ScreeningError) as info:
        sampling.complete_home_task(task, tube_code(), actor=screening.sampler_a)
    assert info.value.code == "unknown_desk"


def test_street_wide_coverage_counts_the_same_as_narrow(screening, world):
    """A street-wide round takes the joined path for a street officer and the indexed one for a
    community worker; both count alike."""
    now = timezone.now()
    wide_round = rounds.create_round(name="全街道", areas=[world.street], starts_at=now, ends_at=now + datetime.timedelta(hours=9),
                                     actor=world.street_officer)
    rounds.set_round_status(wide_round, Round.Status.OPEN, actor=world.street_officer)
    desk = rounds.add_desk(rounds.add_site(wide_round, area=world.community, name="广场", actor=world.street_officer), name="台",
                           actor=world.street_officer)
    people = screening.people(3)
    sampling.ingest([scan(desk, tube_code(), resident=p.pk) for p in [*people[:2], world.resident_c]], actor=world.street_officer)
    assert coverage._is_wide(wide_round, world.street_officer, None) and not coverage._is_wide(wide_round, world.worker_a, None)
    officer = {r.area.name: (r.expected, r.sampled) for r in coverage.coverage_rows(wide_round, world.street_officer)}
    assert officer == {"中城街道": (6, 3)}
    by_community = {r.area.name: (r.expected, r.sampled) for r in coverage.coverage_rows(wide_round, world.street_officer, world.street)}
    assert by_community == {"八一西街社区": (5, 2), "邻社区": (1, 1)}
    worker = {r.area.name: (r.expected, r.sampled) for r in coverage.coverage_rows(wide_round, world.worker_a)}
    assert worker == {"中城街道": (4, 2)}
