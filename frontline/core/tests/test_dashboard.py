"""The dashboard: counts of the user's own scope, per area and per special group, linking into lists."""

import pytest
from django.urls import reverse

from frontline.areas import services as area_services
from tests.factories import SYSTEM, household, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups(world):
    resident(world.household_a, "孙丽", tags=["pregnant"])
    resident(world.household_a, "周强", status="away", tags=["pregnant"])
    resident(world.household_b, "钱七", tags=["elderly_alone", "bedridden"])


def ledger_panel(response) -> dict:
    """The residents ledger's panel on the dashboard."""
    return next(p for p in response.context["panels"] if p["template"] == "residents/_dashboard.html")


def by_tag(response):
    return {tag: n for tag, _label, n in ledger_panel(response)["groups"]}


def test_worker_sees_only_their_compound(world, login, groups):
    response = login(world.worker_a).get(reverse("core:dashboard"))
    assert ledger_panel(response)["totals"] == {"households": 1, "residents": 2}
    assert by_tag(response)["pregnant"] == 1  # 周强's household counts the present only
    assert by_tag(response)["elderly_alone"] == 0
    assert [a.name for a, _c in ledger_panel(response)["area_rows"]] == ["小区A"]


def test_street_officer_sees_everything_below(world, login, groups):
    response = login(world.street_officer).get(reverse("core:dashboard"))
    assert ledger_panel(response)["totals"] == {"households": 3, "residents": 5}
    assert by_tag(response)["elderly_alone"] == 1
    children = {a.name: c for a, c in ledger_panel(response)["child_rows"]}
    assert children["八一西街社区"] == {"households": 2, "residents": 4, "groups": 2}
    assert children["邻社区"] == {"households": 1, "residents": 1, "groups": 0}


def test_status_counts_link_to_filtered_lists(world, login, groups):
    response = login(world.worker_a).get(reverse("core:dashboard"))
    statuses = {s: n for s, _label, n in ledger_panel(response)["statuses"]}
    assert statuses == {"present": 2, "away": 1, "moved_out": 0, "deceased": 0}
    html = response.content.decode()
    assert f'{reverse("residents:list")}?status=away' in html
    assert f'{reverse("residents:list")}?tag=pregnant&amp;status=present' in html
    assert f'{reverse("areas:detail", args=[world.compound_a.pk])}' in html


def test_user_with_roles_on_two_separate_areas(world, login, groups):
    from tests.factories import grant

    grant(world.worker_a, "grid_worker", world.compound_c)
    response = login(world.worker_a).get(reverse("core:dashboard"))
    assert sorted(a.name for a, _c in ledger_panel(response)["area_rows"]) == ["小区A", "小区C"]
    assert ledger_panel(response)["child_rows"] == []
    assert ledger_panel(response)["totals"]["households"] == 2


def test_roots_at_different_depths_are_counted(world, login, groups):
    from tests.factories import grant

    grant(world.worker_a, "building_leader", world.unit_c)  # a unit, deeper than 小区A
    rows = {a.name: c for a, c in ledger_panel(login(world.worker_a).get(reverse("core:dashboard")))["area_rows"]}
    assert rows["小区A"]["households"] == 1 and rows["1单元"]["households"] == 1


def test_outsider_sees_zeros_and_a_hint(world, login):
    response = login(world.outsider).get(reverse("core:dashboard"))
    assert response.status_code == 200
    assert ledger_panel(response)["totals"] == {"households": 0, "residents": 0}
    assert "还没有给您分配区域" in response.content.decode()


def test_anonymous_goes_to_login(client):
    response = client.get(reverse("core:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_dashboard_query_count_does_not_grow_with_areas(world, login, django_assert_max_num_queries):
    for i in range(30):
        building = area_services.create_area(name=f"{i + 2}号楼", kind="building", parent=world.compound_a, actor=SYSTEM)
        resident(household(building, "101"), f"住户{i}")
    client = login(world.worker_a)
    with django_assert_max_num_queries(25):
        client.get(reverse("core:dashboard"))
