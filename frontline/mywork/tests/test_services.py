"""My work's reads: the order (most urgent, then newest), keyset pages across sources, counts,
the badge, filters, scope (a revoked role, a lab user), and a second source from the registry."""

import pytest
from django.utils import timezone

from frontline.accounts.models import RoleAssignment
from frontline.core import work
from frontline.core.alerts import acknowledge_alert, resolve_alert
from frontline.core.work import FunctionSource, WorkItem
from frontline.mywork import services
from tests.factories import UserFactory, grant

from .helpers import alert, fresh

pytestmark = pytest.mark.django_db


def refs(items):
    return [item.ref for item in items]


def test_most_urgent_first_then_newest(world):
    old = alert(world.unit_a, "old", minutes_ago=30)
    new = alert(world.unit_a, "new", minutes_ago=5)
    pool = alert(world.unit_a, "pool", kind="screening.positive_pool", minutes_ago=60)
    items, cursor = work.page(world.worker_a)
    assert refs(items) == [pool.pk, new.pk, old.pk] and cursor is None
    assert items[0].severity == "emergency" and items[0].label in {"混管阳性", "positive pool"}


def test_keyset_pages_cover_everything_once(world):
    made = [alert(world.unit_a, f"k{i}", minutes_ago=i % 3) for i in range(7)]
    made.append(alert(world.unit_a, "pool", kind="screening.positive_pool"))
    seen, cursor = [], None
    while True:
        items, cursor = work.page(world.worker_a, cursor=cursor, limit=3)
        seen += refs(items)
        if cursor is None:
            break
    assert sorted(seen) == sorted(a.pk for a in made) and len(seen) == len(set(seen))
    assert seen[0] == made[-1].pk


def test_counts_badge_and_filters(world):
    alert(world.unit_a, "a1")
    second = alert(world.unit_a, "a2")
    alert(world.unit_b, "b1", kind="screening.positive_pool")
    officer = world.street_officer
    assert work.counts(officer) == {"screening.result_conflict": 2, "screening.positive_pool": 1}
    assert work.badge_count(officer) == 3
    acknowledge_alert(second, actor=officer)
    assert work.badge_count(fresh(officer)) == 2  # acknowledged: still listed, no longer counted in the badge
    assert work.counts(fresh(officer))["screening.result_conflict"] == 2
    inbox = services.inbox(officer, area=world.compound_b)
    assert [i.kind for i in inbox["items"]] == ["screening.positive_pool"] and inbox["total"] == 1
    inbox = services.inbox(officer, kinds={"screening.result_conflict"})
    assert len(inbox["items"]) == 2 and {i.area_name for i in inbox["items"]} == {"1单元"}
    resolve_alert(second, actor=officer, reason="复核完成")
    assert work.counts(fresh(officer))["screening.result_conflict"] == 1


def test_assigned_alerts_wait_only_on_their_assignee(world):
    colleague = grant(UserFactory(username="colleague"), "community_worker", world.compound_a)
    alert(world.unit_a, "mine", assignee=world.worker_a)
    assert work.badge_count(world.worker_a) == 1 and work.badge_count(colleague) == 0
    assert work.badge_count(world.street_officer) == 0  # assigned to someone else


def test_a_revoked_role_stops_seeing_that_areas_alerts_at_once(world):
    alert(world.unit_a, "a1")
    assert work.badge_count(fresh(world.worker_a)) == 1
    RoleAssignment.objects.filter(user=world.worker_a).delete()
    user = fresh(world.worker_a)
    assert work.badge_count(user) == 0 and work.page(user)[0] == [] and work.counts(user) == {}


def test_a_lab_user_never_sees_a_residents_alert(world):
    lab = grant(UserFactory(username="lab"), "lab", world.city)
    alert(world.unit_a, "a1", kind="screening.positive_pool")
    assert work.badge_count(lab) == 0 and work.page(lab)[0] == []


def test_other_sources_join_the_same_order(world, monkeypatch):
    first = alert(world.unit_a, "a1", minutes_ago=10)
    now = timezone.now()

    def shifts(user):
        return [WorkItem(source="shift", ref=7, kind="staffing.shift_starting", label="shift", text="shift at 8",
                         severity="urgent", area_path=world.compound_a.path, created_at=now),
                WorkItem(source="shift", ref=8, kind="staffing.shift_starting", label="shift", text="later",
                         severity="info", area_path=world.compound_a.path, created_at=now)]

    monkeypatch.setattr(work, "sources", lambda: [work.ALERTS, FunctionSource(shifts, "shift")])
    items, _cursor = work.page(world.worker_a)
    # Both urgent: the newer shift first; the info item last although it is the newest.
    assert [(i.source, i.ref) for i in items] == [("shift", 7), ("alert", first.pk), ("shift", 8)]
    assert work.badge_count(world.worker_a) == 3
    page1, cursor = work.page(world.worker_a, limit=1)
    page2, cursor2 = work.page(world.worker_a, cursor=cursor, limit=1)
    page3, end = work.page(world.worker_a, cursor=cursor2, limit=1)
    assert refs(page1 + page2 + page3) == [7, first.pk, 8] and end is None
    assert work.counts(world.worker_a, area_path=world.compound_b.path) == {}


def test_sources_come_from_the_registry():
    from frontline.core.registry import frontline_apps

    assert work.ALERTS in work.sources()
    declared = [ref for config in frontline_apps() for ref in config.work_sources]
    assert declared[0] == "frontline.core.work:ALERTS"


def test_cursor_round_trip(world):
    item = work.alert_item(alert(world.unit_a, "a1"))
    assert work.parse_cursor(item.cursor) == item.sort_key
    with pytest.raises(ValueError):
        work.parse_cursor("1.2.x;drop.3")


def test_the_badge_is_one_query(world, django_assert_num_queries):
    alert(world.unit_a, "a1")
    alert(world.unit_a, "a2", kind="screening.positive_pool")
    user = fresh(world.worker_a)
    user.scope_paths("view")  # the request has read the roles already (the navigation needs them)
    with django_assert_num_queries(1) as captured:
        assert work.badge_count(user) == 2
    sql = captured.captured_queries[0]["sql"]
    assert "COUNT(*)" in sql and '"acknowledged_at" IS NULL' in sql
