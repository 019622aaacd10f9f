"""isolation.missed_checkin (a job after the deadline hour) and isolation.fever in the one inbox."""

import datetime

from django.core.management import call_command
from django.utils import timezone

from frontline.core.access import system_actor
from frontline.core.models import Alert
from frontline.isolation import alerts, services

JOB = system_actor("test-job")


def _at(hour):
    return timezone.localtime().replace(hour=hour, minute=30, second=0, microsecond=0)


def test_missed_checkin_raised_once_after_the_deadline_and_resolved_by_a_checkin(world, case_a, settings):
    settings.ISOLATION_CHECKIN_DEADLINE_HOUR = 10
    assert alerts.raise_missed_checkins(actor=JOB, at=_at(9)) == []
    first = alerts.raise_missed_checkins(actor=JOB, at=_at(11))
    again = alerts.raise_missed_checkins(actor=JOB, at=_at(12))
    assert len(first) == 1 and [a.pk for a in again] == [first[0].pk]
    alert = Alert.objects.get(kind="isolation.missed_checkin")
    assert alert.area_path == case_a.area_path and alert.resolved_at is None
    services.record_checkin(case_a, temperature="36.4", actor=world.worker_a)
    alert.refresh_from_db()
    assert alert.resolved_at is not None


def test_checked_in_today_raises_nothing(world, case_a):
    services.record_checkin(case_a, temperature="36.4", at=timezone.now() - datetime.timedelta(minutes=1), actor=world.worker_a)
    assert alerts.raise_missed_checkins(actor=JOB, at=timezone.localtime().replace(hour=23, minute=59)) == []


def test_fever_alert_is_urgent_and_sorted_above_a_missed_checkin(world, case_a):
    alerts.raise_missed_checkins(actor=JOB, at=_at(23))
    services.record_checkin(case_a, temperature="38.1", actor=world.worker_a)
    kinds = list(Alert.objects.filter(resolved_at__isnull=True).order_by("-rank").values_list("kind", flat=True))
    assert kinds[0] == "isolation.fever"


def test_management_command(world, case_a, capsys):
    call_command("isolation_missed_checkins")
    assert "alert" in capsys.readouterr().out


def test_alerts_are_seen_by_the_building_leader_not_the_other_compound(world, case_a):
    from tests.factories import UserFactory, grant

    leader = grant(UserFactory(username="leader_a"), "building_leader", world.building_a)
    services.record_checkin(case_a, antigen="positive", actor=world.worker_a)
    assert Alert.objects.restrict(leader).filter(kind="isolation.fever").exists()
    assert not Alert.objects.restrict(world.worker_b).filter(kind="isolation.fever").exists()


def test_the_scheduled_job_raises_missed_checkins_through_the_queue(world, case_a):
    import time_machine

    from frontline.core.models import JobRun
    from frontline.core.queue import scheduled_jobs

    job = scheduled_jobs()["isolation.missed_checkins"]
    assert job.schedule == "*/30 * * * *"
    tomorrow_night = (timezone.localtime() + datetime.timedelta(days=1)).replace(hour=23, minute=0, second=0, microsecond=0)
    with time_machine.travel(tomorrow_night, tick=False):
        job.run_now(actor=system_actor("test-scheduler"))  # immediate mode under pytest
    assert Alert.objects.filter(kind="isolation.missed_checkin", area_path=case_a.area_path, resolved_at__isnull=True).count() == 1
    run = JobRun.objects.get(name="isolation.missed_checkins")
    assert run.state == JobRun.State.DONE and run.result == {"alerts": 1}
