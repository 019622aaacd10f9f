"""Cases, check-ins, transfers and releases through the services (issue 13, bad input named there)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.core.models import Alert, AuditEntry
from frontline.isolation import services
from frontline.isolation.models import CaseEvent, CheckIn, IsolationCase

from .conftest import swab


def test_open_case_copies_the_area_path_and_logs_who_and_why(world, case_a):
    assert case_a.area_path == world.household_a.area.path
    assert case_a.days_remaining() == 11 and case_a.status == "active"
    assert CaseEvent.objects.get(case=case_a).kind == "opened"
    assert AuditEntry.objects.filter(object_id=str(case_a.pk), action="create").exists()


def test_one_open_case_per_person(world, case_a):
    with pytest.raises(ValidationError, match="already has an open isolation case"):
        services.open_case(resident=world.resident_a, reason="returnee", actor=world.worker_a)


def test_out_of_scope_worker_may_not_open_or_change(world, case_a):
    with pytest.raises(PermissionDenied):
        services.open_case(resident=world.resident_a, reason="returnee", actor=world.worker_b)
    with pytest.raises(PermissionDenied):
        services.change_planned_end(case_a, planned_end=case_a.planned_end + datetime.timedelta(days=1), reason="x",
                                    actor=world.worker_b)
    with pytest.raises(PermissionDenied):
        services.open_case(resident=world.resident_a, reason="returnee", actor=None)


def test_planned_end_changes_only_with_a_reason(world, case_a):
    later = case_a.planned_end + datetime.timedelta(days=3)
    with pytest.raises(ValidationError, match="reason"):
        services.change_planned_end(case_a, planned_end=later, reason=" ", actor=world.worker_a)
    case = services.change_planned_end(case_a, planned_end=later, reason="复核未完成，延长", actor=world.worker_a)
    assert case.planned_end == later
    event = case.events.get(kind="end_changed")
    assert event.reason == "复核未完成，延长" and event.by == world.worker_a and event.new_end == later


def test_new_exposure_restarts_the_clock_with_the_new_source(world, case_a):
    period = case_a.planned_end - case_a.start
    at = timezone.now()
    case = services.record_exposure(case_a, source_text="同住人核酸阳性", at=at, actor=world.worker_a)
    assert case.planned_end == at + period and case.source_text == "同住人核酸阳性"
    assert case.events.filter(kind="exposure").exists()


@pytest.mark.parametrize("typed", ["3.73", "373", "33", "44"])
def test_checkin_temperature_typing_error_refused(world, case_a, typed):
    with pytest.raises(ValidationError, match="typing error"):
        services.record_checkin(case_a, temperature=typed, actor=world.worker_a)
    assert not CheckIn.objects.exists()


def test_replayed_checkin_is_stored_once(world, case_a):
    client_id = str(uuid.uuid4())
    first, created = services.record_checkin(case_a, temperature="36.6", client_id=client_id, actor=world.worker_a)
    again, created_again = services.record_checkin(case_a, temperature="36.6", client_id=client_id, actor=world.worker_a)
    assert created and not created_again and first.pk == again.pk
    assert CheckIn.objects.count() == 1


def test_fever_or_positive_antigen_raises_one_urgent_alert(world, case_a):
    services.record_checkin(case_a, temperature="37.3", actor=world.worker_a)
    services.record_checkin(case_a, antigen="positive", actor=world.worker_a)
    alert = Alert.objects.get(kind="isolation.fever")
    assert alert.severity == "urgent" and alert.area_path == case_a.area_path
    assert "曾" not in alert.message and "曾" not in str(alert.params)


def test_building_leader_records_checkins_but_cannot_change_the_case(world, case_a):
    from tests.factories import UserFactory, grant

    leader = grant(UserFactory(username="leader_a"), "building_leader", world.building_a)
    checkin, created = services.record_checkin(case_a, temperature="36.5", symptoms=["cough"], actor=leader)
    assert created and checkin.symptoms == ["cough"]
    with pytest.raises(PermissionDenied):
        services.change_planned_end(case_a, planned_end=case_a.planned_end, reason="x", actor=leader)
    with pytest.raises(ValidationError):
        services.record_checkin(case_a, symptoms=["nonsense"], actor=leader)


def test_release_without_negative_result_and_without_reason_is_refused(world, case_a):
    with pytest.raises(ValidationError, match="No negative result"):
        services.release(case_a, actor=world.worker_a)
    assert IsolationCase.objects.get().status == "active"
    # A negative before the start does not count, nor does a negative outweighed by a later positive.
    swab(world, world.resident_a, "negative", at=case_a.start - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.release(case_a, actor=world.worker_a)


def test_release_on_a_negative_result(world, case_a):
    sample = swab(world, world.resident_a, "negative")
    case = services.release(case_a, actor=world.worker_a)
    assert case.status == "released" and case.release_sample == sample and not case.release_override
    assert case.events.filter(kind="released").exists()


def test_release_overridden_with_a_reason(world, case_a):
    swab(world, world.resident_a, "negative", at=timezone.now() - datetime.timedelta(hours=2))
    swab(world, world.resident_a, "positive")
    case = services.release(case_a, reason="转定点医院后解除居家隔离，疾控同意", actor=world.worker_a)
    assert case.release_override and case.release_sample is None


def test_transfer_to_a_full_site_is_refused_unless_overridden(world, case_a, site_a):
    from tests.factories import household, resident

    other = services.open_case(resident=resident(household(world.unit_a, "102"), "赵六"), reason="close_contact",
                               actor=world.worker_a)
    services.transfer(other, site=site_a, vehicle="豫A12345", escort=world.worker_a, actor=world.worker_a)
    assert services.site_occupancy(site_a) == 1
    with pytest.raises(ValidationError, match="is full"):
        services.transfer(case_a, site=site_a, actor=world.worker_a)
    assert IsolationCase.objects.get(pk=case_a.pk).status == "active"
    move = services.transfer(case_a, site=site_a, override_reason="指挥部同意临时加床", actor=world.worker_a)
    assert move.override_reason and services.site_occupancy(site_a) == 2
    case = IsolationCase.objects.get(pk=case_a.pk)
    assert case.kind == "centralized" and case.status == "transferred"
    services.confirm_transfer(move, actor=world.street_officer)
    case = services.return_home(case, reason="隔离点调整，回家继续隔离", actor=world.worker_a)
    assert case.kind == "home" and case.site is None and services.site_occupancy(site_a) == 1


def test_hospitalised_closes_the_case(world, case_a):
    case = services.hospitalise(case_a, reason="送定点医院", actor=world.worker_a)
    assert case.status == "hospitalised" and case.released_at
    with pytest.raises(ValidationError):
        services.record_checkin(case, temperature="36.5", actor=world.worker_a)


def test_temperature_parser_is_the_gates():
    from frontline.checkpoints import policy
    from frontline.core import vitals

    assert policy.parse_temperature is vitals.parse_temperature
    assert vitals.parse_temperature("36,8℃") == Decimal("36.8") and vitals.is_fever(Decimal("37.3"))


def test_a_late_offline_checkin_of_yesterday_does_not_hide_todays(world, case_a):
    now = timezone.now()
    services.record_checkin(case_a, temperature="36.5", at=now, actor=world.worker_a)
    services.record_checkin(case_a, temperature="38.0", at=now - datetime.timedelta(days=1), actor=world.worker_a)
    case = IsolationCase.objects.get(pk=case_a.pk)
    assert case.last_checkin_at == now and case.last_alarm_at == now - datetime.timedelta(days=1)
