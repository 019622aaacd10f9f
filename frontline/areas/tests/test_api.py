"""The areas API with the named actors: in scope, out of scope (404), wrong role (403), no login (401)."""

import pytest

from frontline.areas.models import Area
from frontline.core.models import AuditEntry
from tests.apiclient import send, token_client

pytestmark = pytest.mark.django_db


def names(response):
    return [item["name"] for item in response.json()["items"]]


# --- list --------------------------------------------------------------------------------------

def test_list_shows_only_the_workers_subtree(world):
    response = send(token_client(world.worker_a), "get", "/areas")
    assert response.status_code == 200
    assert names(response) == ["小区A", "1号楼", "1单元"]


def test_list_for_street_officer_covers_both_communities(world):
    response = send(token_client(world.street_officer), "get", "/areas?kind=compound")
    assert names(response) == ["小区A", "小区B", "小区C"]


def test_list_for_outsider_is_empty(world):
    response = send(token_client(world.outsider), "get", "/areas")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_list_filters_by_parent_and_name(world):
    client = token_client(world.street_officer)
    assert names(send(client, "get", f"/areas?parent={world.community.pk}")) == ["小区A", "小区B"]
    assert names(send(client, "get", "/areas?q=邻")) == ["邻社区"]
    assert names(send(client, "get", "/areas?top=true")) == ["中城街道"]


def test_list_paginates_with_a_cursor(world):
    client = token_client(world.street_officer)
    expected = [a.pk for a in Area.objects.subtree(world.street).order_by("path")]
    first = send(client, "get", "/areas?limit=4&count=true").json()
    assert len(first["items"]) == 4 and first["count"] == len(expected)
    second = client.get(first["next"]).json()
    assert second["items"][0]["path"] > first["items"][-1]["path"]
    assert names_all(client, first) == expected


def names_all(client, page):
    seen = [i["id"] for i in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [i["id"] for i in page["items"]]
    return seen


def test_list_rejects_a_bad_limit_with_the_field_named(world):
    response = send(token_client(world.worker_a), "get", "/areas?limit=0")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["details"][0]["field"] == "limit"
    assert "limit" in body["message"]


# --- detail and children ----------------------------------------------------------------------

def test_detail_has_ancestors_and_counts(world):
    response = send(token_client(world.worker_a), "get", f"/areas/{world.compound_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert [a["name"] for a in body["ancestors"]] == ["测试市", "测试区", "中城街道", "八一西街社区"]
    assert body["counts"] == {"households": 1, "residents": 1, "groups": 0}
    assert body["children"] == 1


@pytest.mark.parametrize("suffix", ["", "/children", "/history"])
def test_detail_out_of_scope_is_404(world, suffix):
    client = token_client(world.worker_a)
    for area in (world.compound_b, world.community, world.compound_c):
        response = send(client, "get", f"/areas/{area.pk}{suffix}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_missing_area_is_404_like_out_of_scope(world):
    assert send(token_client(world.admin), "get", "/areas/999999").status_code == 404


def test_children_carry_counts(world):
    response = send(token_client(world.street_officer), "get", f"/areas/{world.community.pk}/children")
    assert response.status_code == 200
    rows = {row["name"]: row["counts"] for row in response.json()}
    assert rows == {"小区A": {"households": 1, "residents": 1, "groups": 0},
                    "小区B": {"households": 1, "residents": 1, "groups": 0}}


def test_history_lists_changes(world):
    client = token_client(world.worker_a)
    send(client, "patch", f"/areas/{world.compound_a.pk}", {"notes": "东门封闭"})
    items = send(client, "get", f"/areas/{world.compound_a.pk}/history").json()["items"]
    assert items[0]["action"] == "update" and items[0]["source"] == "api" and items[0]["actor"] == "worker_a"
    assert items[0]["changes"]["notes"] == ["", "东门封闭"]
    assert items[-1]["action"] == "create"


# --- create --------------------------------------------------------------------------------------

def test_worker_creates_a_building_in_own_compound(world):
    response = send(token_client(world.worker_a), "post", "/areas",
                    {"name": "2号楼", "kind": "building", "parent_id": world.compound_a.pk})
    assert response.status_code == 201
    area = Area.objects.get(pk=response.json()["id"])
    assert area.parent == world.compound_a and area.path.startswith(world.compound_a.path)
    assert AuditEntry.objects.filter(model="areas.area", object_id=str(area.pk), source="api").exists()


def test_create_under_an_area_out_of_scope_is_404(world):
    response = send(token_client(world.worker_a), "post", "/areas",
                    {"name": "2号楼", "kind": "building", "parent_id": world.compound_b.pk})
    assert response.status_code == 404
    assert not Area.objects.filter(name="2号楼").exists()


def test_create_with_a_view_only_role_is_403(world):
    response = send(token_client(world.volunteer_a), "post", "/areas",
                    {"name": "2号楼", "kind": "building", "parent_id": world.compound_a.pk})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_only_an_administrator_creates_a_top_level_area(world):
    body = {"name": "新市", "kind": "city"}
    assert send(token_client(world.street_officer), "post", "/areas", body).status_code == 403
    assert send(token_client(world.admin), "post", "/areas", body).status_code == 201


def test_create_with_a_kind_that_cannot_lie_there_names_the_field(world):
    response = send(token_client(world.worker_a), "post", "/areas",
                    {"name": "某区", "kind": "district", "parent_id": world.compound_a.pk})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "kind"


def test_create_a_duplicate_name_is_409(world):
    response = send(token_client(world.worker_a), "post", "/areas",
                    {"name": "1号楼", "kind": "building", "parent_id": world.compound_a.pk})
    assert response.status_code == 409
    assert Area.objects.filter(parent=world.compound_a, name="1号楼").count() == 1


def test_create_with_a_blank_name_is_422(world):
    response = send(token_client(world.worker_a), "post", "/areas",
                    {"name": "   ", "kind": "building", "parent_id": world.compound_a.pk})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "name"


# --- update --------------------------------------------------------------------------------------

def test_worker_renames_own_compound(world):
    response = send(token_client(world.worker_a), "patch", f"/areas/{world.compound_a.pk}", {"name": "幸福小区"})
    assert response.status_code == 200 and response.json()["name"] == "幸福小区"
    world.compound_a.refresh_from_db()
    assert world.compound_a.name == "幸福小区"


def test_update_out_of_scope_is_404_and_view_only_is_403(world):
    assert send(token_client(world.worker_b), "patch", f"/areas/{world.compound_a.pk}", {"name": "x"}).status_code == 404
    assert send(token_client(world.volunteer_a), "patch", f"/areas/{world.compound_a.pk}", {"name": "x"}).status_code == 403
    world.compound_a.refresh_from_db()
    assert world.compound_a.name == "小区A"


def test_street_officer_moves_a_building_with_its_subtree(world):
    response = send(token_client(world.street_officer), "patch", f"/areas/{world.building_a.pk}",
                    {"parent_id": world.compound_c.pk, "name": "3号楼"})
    assert response.status_code == 200
    world.unit_a.refresh_from_db()
    assert world.unit_a.path.startswith(world.compound_c.path)


def test_move_to_an_area_of_a_lower_kind_is_422(world):
    response = send(token_client(world.street_officer), "patch", f"/areas/{world.compound_a.pk}",
                    {"parent_id": world.unit_b.pk})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "parent_id"


def test_move_out_of_reach_is_404(world):
    response = send(token_client(world.worker_a), "patch", f"/areas/{world.building_a.pk}",
                    {"parent_id": world.compound_b.pk})
    assert response.status_code == 404
    world.building_a.refresh_from_db()
    assert world.building_a.parent == world.compound_a


# --- delete --------------------------------------------------------------------------------------

def test_delete_needs_the_delete_action(world):
    empty = send(token_client(world.admin), "post", "/areas",
                 {"name": "空楼", "kind": "building", "parent_id": world.compound_a.pk}).json()
    assert send(token_client(world.worker_a), "delete", f"/areas/{empty['id']}").status_code == 403
    assert send(token_client(world.worker_b), "delete", f"/areas/{empty['id']}").status_code == 404
    assert send(token_client(world.street_officer), "delete", f"/areas/{empty['id']}").status_code == 204
    assert not Area.objects.filter(pk=empty["id"]).exists()


def test_delete_an_area_that_holds_households_is_409(world):
    response = send(token_client(world.street_officer), "delete", f"/areas/{world.unit_a.pk}")
    assert response.status_code == 409
    assert Area.objects.filter(pk=world.unit_a.pk).exists()


# --- authentication ------------------------------------------------------------------------------

def test_no_credentials_is_401(client, world):
    for method, path in [("get", "/areas"), ("get", f"/areas/{world.compound_a.pk}"), ("post", "/areas"),
                         ("patch", f"/areas/{world.compound_a.pk}"), ("delete", f"/areas/{world.compound_a.pk}")]:
        response = send(client, method, path, {} if method in ("post", "patch") else None)
        assert response.status_code == 401, (method, path)
        assert response.json()["code"] == "unauthorized"


def test_session_login_works_for_reads(login, world):
    response = send(login(world.worker_a), "get", f"/areas/{world.compound_a.pk}")
    assert response.status_code == 200
