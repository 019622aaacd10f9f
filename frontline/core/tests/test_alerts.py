"""The one alert inbox: raising (deduplicated by key), who sees what, acknowledging, resolving,
messages in the reader's language, a target that is gone, notifications sent once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext_noop

from frontline.accounts.models import RoleAssignment
from frontline.core import registry
from frontline.core.access import system_actor
from frontline.core.alerts import (
    UnknownAlertKind,
    acknowledge_alert,
    raise_alert,
    resolve_alert,
    resolve_alerts,
)
from frontline.core.models import Alert, AlertNotification, AuditEntry
from frontline.core.notify import send_notifications
from tests.factories import UserFactory, area, grant

pytestmark = pytest.mark.django_db

CONFLICT = gettext_noop("Conflicting lab results for tube %(code)s: review them.")
JOB = system_actor("job:test")


@pytest.fixture
def leader_kind(monkeypatch):
    """A kind only building leaders see (on top of the installed apps' kinds)."""
    real = registry.alert_kinds()
    kinds = {**real, "test.leaders": registry.AlertKind("test.leaders", "for leaders", roles=("building_leader",))}
    monkeypatch.setattr(registry, "alert_kinds", lambda: kinds)
    return kinds["test.leaders"]


def conflict(world, key="k1", where=None, **kw):
    return raise_alert("screening.result_conflict", key=key, area_path=where or world.unit_a, message=CONFLICT,
                       params={"code": "HS0001"}, actor=JOB, **kw)


def fresh(user):
    """The user as the next request loads it (roles read again)."""
    return get_user_model().objects.get(pk=user.pk)


def test_raise_is_deduplicated_by_key_while_open(world):
    first = conflict(world)
    assert conflict(world).pk == first.pk
    assert Alert.objects.count() == 1
    assert first.area_path == world.unit_a.path and first.severity == "urgent" and first.raised_by == "system:job:test"
    assert resolve_alerts(key="k1", actor=JOB, reason="settled") == 1
    assert resolve_alerts(key="k1", actor=JOB) == 0
    second = conflict(world)
    assert second.pk != first.pk and Alert.objects.open().get() == second
    assert AuditEntry.objects.filter(model="core.alert").count() == 3  # two raised, one resolved


def test_bad_calls_are_refused_and_save_nothing(world):
    with pytest.raises(UnknownAlertKind):
        raise_alert("nope.kind", key="x", area_path=world.unit_a, message=CONFLICT, actor=JOB)
    with pytest.raises(ValueError):
        raise_alert("screening.result_conflict", key="x", area_path=world.unit_a, message=CONFLICT, severity="loud",
                    actor=JOB)
    with pytest.raises(ValueError):
        raise_alert("screening.result_conflict", key="", area_path=world.unit_a, message=CONFLICT, actor=JOB)
    with pytest.raises(PermissionDenied):
        raise_alert("screening.result_conflict", key="x", area_path=world.unit_a, message=CONFLICT, actor=None)
    assert not Alert.objects.exists()


def test_message_is_read_in_the_readers_language(world):
    alert = conflict(world)
    assert alert.message == CONFLICT and alert.params == {"code": "HS0001"}
    with translation.override("en"):
        assert alert.text() == "Conflicting lab results for tube HS0001: review them."
        assert alert.kind_label() == "conflicting lab results"
    with translation.override("zh-hans"):
        assert alert.text() == "试管 HS0001 的检测结果冲突，请复核。"
        assert alert.kind_label() == "检测结果冲突"


def test_a_lazy_message_is_stored_as_its_msgid(world):
    from django.utils.translation import gettext_lazy

    with translation.override("zh-hans"):
        alert = raise_alert("screening.result_conflict", key="lazy", area_path=world.unit_a,
                            message=gettext_lazy(CONFLICT), params={"code": "X"}, actor=JOB)
    assert alert.message == CONFLICT


def test_scope_by_area_action_and_role(world, leader_kind):
    conflict(world, key="a")
    conflict(world, key="b", where=world.unit_b)
    lab = grant(UserFactory(username="lab"), "lab", world.compound_a)
    leader = grant(UserFactory(username="leader"), "building_leader", world.building_a)
    raise_alert("test.leaders", key="lead", area_path=world.unit_a, message="x", actor=JOB)

    def keys(user):
        return sorted(Alert.objects.restrict(user).values_list("key", flat=True))

    assert keys(world.worker_a) == ["a"]  # not B's, not the leaders-only kind
    assert keys(world.worker_b) == ["b"]
    assert keys(world.street_officer) == ["a", "b"]
    assert keys(leader) == ["a", "lead"]
    assert keys(lab) == []  # a lab user never sees a resident's alert
    assert keys(world.outsider) == []
    assert keys(world.admin) == ["a", "b", "lead"]


def test_a_revoked_role_stops_seeing_at_once(world):
    conflict(world)
    assert Alert.objects.restrict(fresh(world.worker_a)).exists()
    RoleAssignment.objects.filter(user=world.worker_a).delete()
    assert not Alert.objects.restrict(fresh(world.worker_a)).exists()


def test_job_alerts_without_area_are_for_superusers_only(world):
    raise_alert("core.job_failed", key="job:x", area_path="", message="x", actor=JOB)
    assert Alert.objects.restrict(world.admin).count() == 1
    assert not Alert.objects.restrict(world.street_officer).exists()


def test_acknowledge_and_resolve_with_a_reason(world):
    alert = conflict(world)
    with pytest.raises(PermissionDenied):
        acknowledge_alert(alert, actor=world.worker_b)
    acknowledge_alert(alert, actor=world.worker_a)
    acknowledge_alert(alert, actor=world.street_officer)  # already acknowledged: unchanged
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.worker_a and alert.resolved_at is None
    with pytest.raises(ValidationError):
        resolve_alert(alert, actor=world.worker_a, reason="  ")
    resolve_alert(alert, actor=world.worker_a, reason="电话确认")
    alert.refresh_from_db()
    assert alert.resolved_by == world.worker_a and alert.resolution == "电话确认" and not alert.is_open
    with pytest.raises(ValidationError):
        resolve_alert(alert, actor=world.worker_a, reason="again")
    entry = AuditEntry.objects.filter(model="core.alert", reason="电话确认").get()
    assert entry.actor == world.worker_a and entry.area_path == world.unit_a.path


def test_an_alert_whose_record_is_gone_says_record_removed(world):
    spare = area("临时楼", "building", world.compound_a)
    alert = conflict(world, target=spare)
    assert Alert.objects.get(pk=alert.pk).target == spare
    spare.delete()
    alert = Alert.objects.get(pk=alert.pk)
    assert alert.target is None and alert.target_removed
    assert alert.target_url() == "/screening/results/conflicts/"  # the kind's own page still opens


def test_notifications_go_once_to_each_person_who_sees_the_alert(world, settings, tmp_path,
                                                                 django_capture_on_commit_callbacks):
    log = tmp_path / "notifications.log"
    settings.FRONTLINE_NOTIFY_BACKENDS = [("frontline.core.notify.ConsoleBackend", {"path": str(log)})]
    with django_capture_on_commit_callbacks(execute=True):
        alert = raise_alert("screening.positive_pool", key="pp", area_path=world.unit_a, message=CONFLICT,
                            params={"code": "HS9"}, actor=JOB)
        raise_alert("screening.positive_pool", key="pp", area_path=world.unit_a, message=CONFLICT, actor=JOB)
    text = log.read_text()
    assert "to worker_a:" in text and "to street_officer:" in text and "to volunteer_a:" in text
    assert "worker_b" not in text
    count = AlertNotification.objects.filter(alert=alert).count()
    assert count == text.count("] to ") == 3
    assert send_notifications(alert.pk) == 0  # a retried task sends nothing again
    assert AlertNotification.objects.filter(alert=alert, sent_at__isnull=False).count() == count


def test_kinds_that_do_not_notify_send_nothing(world, settings, tmp_path, django_capture_on_commit_callbacks):
    log = tmp_path / "n.log"
    settings.FRONTLINE_NOTIFY_BACKENDS = [("frontline.core.notify.ConsoleBackend", {"path": str(log)})]
    with django_capture_on_commit_callbacks(execute=True):
        conflict(world)
    assert not log.exists() and not AlertNotification.objects.exists()
