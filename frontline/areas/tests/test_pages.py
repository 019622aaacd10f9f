"""The area tree and area pages: scope, counts per node, drill-down, child areas."""

import pytest
from django.urls import reverse

from frontline.areas import services
from frontline.areas.models import Area
from frontline.core.models import AuditEntry
from tests.factories import SYSTEM, household, resident

pytestmark = pytest.mark.django_db

ACTORS = ["worker_a", "worker_b", "street_officer", "volunteer_a", "outsider", "admin"]
PAGES = {
    "tree": ("areas:tree", None, [200, 200, 200, 200, 403, 200]),
    "detail": ("areas:detail", "compound_a", [200, 404, 200, 200, 404, 200]),
    "children": ("areas:children", "compound_a", [200, 404, 200, 200, 404, 200]),
    "create child": ("areas:create", "compound_a", [200, 404, 200, 403, 404, 200]),
    "edit": ("areas:edit", "compound_a", [200, 404, 200, 403, 404, 200]),
    "delete": ("areas:delete", "compound_a", [403, 404, 200, 403, 404, 200]),
}


def url_of(world, name, target):
    return reverse(name, args=[getattr(world, target).pk]) if target else reverse(name)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("actor_index", range(len(ACTORS)), ids=ACTORS)
def test_page_status_by_actor(world, login, page, actor_index):
    name, target, expected = PAGES[page]
    assert login(getattr(world, ACTORS[actor_index])).get(url_of(world, name, target)).status_code == expected[actor_index]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(world, client, page):
    name, target, _expected = PAGES[page]
    response = client.get(url_of(world, name, target))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.fixture
def populated(world):
    """小区A gains a second building with two households; special groups and an absent resident."""
    building = world.building_a
    resident(world.household_a, "孙丽", tags=["pregnant"])
    resident(world.household_a, "周强", status="away", tags=["chronic"])
    building2 = services.create_area(name="2号楼", kind="building", parent=world.compound_a, actor=SYSTEM)
    unit2 = services.create_area(name="1单元", kind="unit", parent=building2, actor=SYSTEM)
    h1, h2 = household(unit2, "201"), household(unit2, "202")
    resident(h1, "吴一", tags=["elderly_alone", "disabled"])
    resident(h2, "郑二")
    return {"building1": building, "building2": building2}


def rows_by_name(response):
    return {area.name: counts for area, counts in response.context["rows"]}


def test_tree_roots_are_the_users_areas_with_counts(world, login, populated):
    rows = rows_by_name(login(world.worker_a).get(reverse("areas:tree")))
    # present residents: 曾小明, 孙丽, 吴一, 郑二 (周强 is away); special groups: 孙丽, 吴一 (a person counts once).
    assert rows == {"小区A": {"households": 3, "residents": 4, "groups": 2}}


def test_street_officer_tree_starts_at_the_street(world, login, populated):
    rows = rows_by_name(login(world.street_officer).get(reverse("areas:tree")))
    assert list(rows) == ["中城街道"]
    assert rows["中城街道"] == {"households": 5, "residents": 6, "groups": 2}


def test_children_fragment_counts_each_subtree(world, login, populated):
    response = login(world.worker_a).get(reverse("areas:children", args=[world.compound_a.pk]), HTTP_HX_REQUEST="true")
    rows = rows_by_name(response)
    assert rows == {"1号楼": {"households": 1, "residents": 2, "groups": 1},
                    "2号楼": {"households": 2, "residents": 2, "groups": 1}}
    assert "<html" not in response.content.decode()


def test_a_single_root_comes_open_and_deeper_nodes_load_with_htmx(world, login):
    response = login(world.street_officer).get(reverse("areas:tree"))
    html = response.content.decode()
    street, = response.context["rows"]
    assert {a.name for a, _c in street[0].opened_rows} == {"八一西街社区", "邻社区"}
    assert f'hx-get="{reverse("areas:children", args=[world.street.pk])}"' not in html
    assert f'hx-get="{reverse("areas:children", args=[world.community.pk])}"' in html


def test_several_roots_start_closed(world, login):
    from tests.factories import grant

    grant(world.worker_a, "grid_worker", world.compound_c)
    html = login(world.worker_a).get(reverse("areas:tree")).content.decode()
    assert "<details open>" not in html
    assert f'hx-get="{reverse("areas:children", args=[world.compound_a.pk])}"' in html


def test_detail_lists_households_children_and_group_links(world, login, populated, english):
    response = login(world.worker_a).get(reverse("areas:detail", args=[world.compound_a.pk]))
    html = response.content.decode()
    assert set(rows_by_name(response)) == {"1号楼", "2号楼"}
    assert [h.room for h, _label in response.context["households"]] == ["101", "201", "202"]
    assert "小区A 2号楼 1单元 201" in html
    assert f'?area={world.compound_a.pk}&amp;tag=pregnant' in html
    groups = {tag: n for tag, _label, n in response.context["groups"]}
    assert groups["pregnant"] == 1 and groups["chronic"] == 0  # 周强 is away
    assert "Add a child area" in html and "Add a household" in html


def test_detail_hides_change_buttons_from_viewers(world, login, english):
    html = login(world.volunteer_a).get(reverse("areas:detail", args=[world.compound_a.pk])).content.decode()
    assert "Add a child area" not in html and reverse("areas:edit", args=[world.compound_a.pk]) not in html


def test_breadcrumbs_link_only_areas_in_scope(world, login):
    html = login(world.worker_a).get(reverse("areas:detail", args=[world.unit_a.pk])).content.decode()
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    assert reverse("areas:detail", args=[world.compound_a.pk]) in crumbs
    assert "八一西街社区" not in crumbs


def test_create_child_area(world, login):
    client = login(world.worker_a)
    response = client.post(reverse("areas:create", args=[world.compound_a.pk]), {"name": " 3号楼 ", "kind": "building"})
    building = Area.objects.get(parent=world.compound_a, name="3号楼")
    assert response["Location"] == reverse("areas:detail", args=[building.pk])
    assert building.path.startswith(world.compound_a.path)
    assert AuditEntry.objects.filter(model="areas.area", object_id=str(building.pk), action="create",
                                     actor=world.worker_a).exists()


def test_child_kind_must_lie_below_the_parent(world, login, english):
    response = login(world.worker_a).post(reverse("areas:create", args=[world.compound_a.pk]),
                                          {"name": "新社区", "kind": "community"})
    assert response.status_code == 200
    assert response.context["form"].errors["kind"]
    assert not Area.objects.filter(name="新社区").exists()


def test_duplicate_child_name_is_reported(world, login):
    response = login(world.worker_a).post(reverse("areas:create", args=[world.compound_a.pk]),
                                          {"name": "1号楼", "kind": "building"})
    assert response.status_code == 200 and response.context["form"].errors
    assert Area.objects.filter(parent=world.compound_a, name="1号楼").count() == 1


def test_empty_name_is_reported(world, login):
    response = login(world.worker_a).post(reverse("areas:create", args=[world.compound_a.pk]),
                                          {"name": "   ", "kind": "building"})
    assert response.context["form"].errors["name"]


def test_volunteer_cannot_create_or_edit(world, login):
    client = login(world.volunteer_a)
    assert client.post(reverse("areas:create", args=[world.compound_a.pk]), {"name": "x", "kind": "building"}).status_code == 403
    assert client.post(reverse("areas:edit", args=[world.compound_a.pk]), {"name": "x"}).status_code == 403
    assert not Area.objects.filter(name="x").exists()


def test_edit_area_and_its_history(world, login, english):
    client = login(world.worker_a)
    response = client.post(reverse("areas:edit", args=[world.compound_a.pk]), {"name": "阳光小区", "code": "A-01"})
    assert response.status_code == 302
    world.compound_a.refresh_from_db()
    assert (world.compound_a.name, world.compound_a.code) == ("阳光小区", "A-01")
    html = client.get(reverse("areas:detail", args=[world.compound_a.pk])).content.decode()
    assert "<s>小区A</s> → 阳光小区" in html


def test_delete_area_that_is_not_empty_explains(world, login, english):
    response = login(world.street_officer).post(reverse("areas:delete", args=[world.compound_a.pk]))
    assert response.status_code == 409
    assert "This area still holds areas or households" in response.content.decode()
    assert Area.objects.filter(pk=world.compound_a.pk).exists()


def test_delete_empty_area(world, login):
    empty = services.create_area(name="空楼", kind="building", parent=world.compound_a, actor=SYSTEM)
    response = login(world.street_officer).post(reverse("areas:delete", args=[empty.pk]))
    assert response["Location"] == reverse("areas:detail", args=[world.compound_a.pk])
    assert not Area.objects.filter(pk=empty.pk).exists()
