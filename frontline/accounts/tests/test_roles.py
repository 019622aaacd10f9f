"""Hole 8: role assignments go through one service (grant / change / revoke), scoped and ranked,
in the change log; a page and an API over it; the admin inline, createuser and lab membership
are audited too."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from frontline.accounts import services
from frontline.accounts.models import RoleAssignment, User
from frontline.core.models import AuditEntry
from tests.apiclient import send
from tests.factories import SYSTEM, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(world):
    return grant(UserFactory(username="secretary"), "community_secretary", world.community)


@pytest.fixture
def newcomer(db):
    return UserFactory(username="newcomer")


def session(user, english=True):
    client = Client()
    client.force_login(user)
    if english:
        client.cookies["django_language"] = "en"
    return client


def rows_of(assignment_or_pk):
    pk = getattr(assignment_or_pk, "pk", assignment_or_pk)
    return AuditEntry.objects.filter(model="accounts.roleassignment", object_id=str(pk))


# --- the service -------------------------------------------------------------------------------

def test_a_secretary_grants_a_worker_role_inside_her_community(world, secretary, newcomer):
    a = services.grant_role(newcomer, "grid_worker", world.compound_a, actor=secretary, reason="网格员报到")
    assert a.user == newcomer and a.area == world.compound_a
    row = rows_of(a).get()
    assert row.action == "create" and row.actor == secretary and row.reason == "网格员报到"
    assert row.area_path == world.compound_a.path
    newcomer.forget_scope()
    assert newcomer.scope_paths("view") == [world.compound_a.path]


def test_outside_her_community_she_is_refused(world, secretary, newcomer):
    with pytest.raises(PermissionDenied):
        services.grant_role(newcomer, "grid_worker", world.compound_c, actor=secretary)
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


def test_a_role_above_hers_is_refused_with_a_clear_message(world, secretary, newcomer):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.grant_role(newcomer, "street_officer", world.compound_a, actor=secretary)
    assert "up to your own" in str(refused.value) and "street officer" in str(refused.value)
    # Her own rank is fine.
    services.grant_role(newcomer, "community_secretary", world.compound_a, actor=secretary)


def test_without_manage_nobody_grants(world, newcomer):
    with pytest.raises(PermissionDenied):
        services.grant_role(newcomer, "volunteer", world.compound_a, actor=world.worker_a)


def test_change_and_revoke_are_ranked_and_logged(world, secretary, newcomer):
    a = services.grant_role(newcomer, "volunteer", world.compound_a, actor=secretary)
    services.change_role(a, "community_worker", actor=secretary, reason="转为社工")
    a.refresh_from_db()
    assert a.role == "community_worker"
    with pytest.raises(PermissionDenied):
        services.change_role(a, "street_officer", actor=secretary)
    # The street officer's own assignment is above the secretary: she cannot touch it.
    officer_role = RoleAssignment.objects.get(user=world.street_officer)
    with pytest.raises(PermissionDenied):
        services.revoke_role(officer_role, actor=secretary)
    services.revoke_role(a, actor=secretary, reason="离岗")
    assert not RoleAssignment.objects.filter(pk=a.pk).exists()
    assert list(rows_of(a).order_by("id").values_list("action", flat=True)) == ["create", "update", "delete"]
    assert rows_of(a).get(action="update").changes["role"] == ["volunteer", "community_worker"]


def test_nobody_changes_their_own_roles(world, secretary):
    mine = RoleAssignment.objects.get(user=secretary)
    with pytest.raises(PermissionDenied):
        services.revoke_role(mine, actor=secretary)
    with pytest.raises(PermissionDenied):
        services.grant_role(secretary, "community_secretary", world.other_community, actor=secretary)


# --- the API -------------------------------------------------------------------------------------

def test_api_grant_list_change_revoke(world, secretary, newcomer):
    client = session(secretary)
    made = send(client, "post", "/roles", {"user": newcomer.pk, "role": "grid_worker", "area": world.compound_a.pk})
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    listed = send(client, "get", "/roles").json()["items"]
    assert pk in [item["id"] for item in listed]
    assert world.worker_b.pk in [item["user"]["id"] for item in listed]  # everyone in her community
    assert world.resident_c is not None and all(item["area"]["id"] != world.compound_c.pk for item in listed)
    assert send(client, "patch", f"/roles/{pk}", {"role": "volunteer"}).json()["role"] == "volunteer"
    assert send(client, "delete", f"/roles/{pk}").status_code == 204
    history = send(client, "get", "/roles/history").json()["items"]
    assert [h["action"] for h in history[:3]] == ["delete", "update", "create"]


def test_api_outside_is_404_and_above_is_403(world, secretary, newcomer):
    client = session(secretary)
    outside = send(client, "post", "/roles", {"user": newcomer.pk, "role": "grid_worker", "area": world.compound_c.pk})
    assert outside.status_code == 404
    above = send(client, "post", "/roles", {"user": newcomer.pk, "role": "city_admin", "area": world.compound_a.pk})
    assert above.status_code == 403 and "up to your own" in above.json()["message"]
    stranger = grant(UserFactory(username="stranger_c"), "community_worker", world.compound_c)
    theirs = RoleAssignment.objects.get(user=stranger)
    assert send(client, "delete", f"/roles/{theirs.pk}").status_code == 404
    assert send(client, "patch", f"/roles/{theirs.pk}", {"role": "volunteer"}).status_code == 404
    # A worker sees no assignments to manage and may grant none.
    worker = session(world.worker_a)
    assert send(worker, "get", "/roles").json()["items"] == []
    denied = send(worker, "post", "/roles", {"user": newcomer.pk, "role": "volunteer", "area": world.compound_a.pk})
    assert denied.status_code == 403


# --- the page ------------------------------------------------------------------------------------

def test_the_page_grants_changes_revokes_and_shows_the_history(world, secretary, newcomer):
    client = session(secretary)
    page = client.get("/accounts/roles/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="grant-role"' in html and "worker_a" in html and "邻社区" not in html
    assert 'value="city_admin"' not in html and 'value="street_officer"' not in html  # above her: not offered
    response = client.post("/accounts/roles/", {"do": "grant", "username": "newcomer", "role": "volunteer",
                                                "area": world.compound_a.pk, "reason": "志愿者报到"})
    assert response.status_code == 302, response.content.decode()[:3000]
    a = RoleAssignment.objects.get(user=newcomer)
    assert client.post("/accounts/roles/", {"do": "change", "assignment": a.pk, "role": "grid_worker"}).status_code == 302
    assert client.post("/accounts/roles/", {"do": "revoke", "assignment": a.pk}).status_code == 302
    html = client.get("/accounts/roles/").content.decode()
    assert 'id="role-history"' in html and "志愿者报到" in html
    assert html.count("newcomer") >= 3  # three history rows name the assignment


def test_the_page_refuses_outside_and_above(world, secretary, newcomer):
    client = session(secretary)
    outside = client.post("/accounts/roles/", {"do": "grant", "username": "newcomer", "role": "volunteer",
                                               "area": world.compound_c.pk})
    assert outside.status_code == 400  # not a choice of hers
    above = client.post("/accounts/roles/", {"do": "grant", "username": "newcomer", "role": "street_officer",
                                             "area": world.compound_a.pk})
    assert above.status_code == 400
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    # A worker has no roles page.
    assert session(world.worker_a).get("/accounts/roles/").status_code == 403


def test_the_page_is_in_chinese(world, secretary):
    html = session(secretary, english=False).get("/accounts/roles/").content.decode()
    assert "授予角色" in html and "我所辖区域的角色" in html and "角色管理" in html


# --- the other ways in ---------------------------------------------------------------------------

def test_createuser_goes_through_the_service(world):
    call_command("createuser", "cli_user", "--role", "volunteer", "--area", str(world.compound_a.pk),
                 "--password", "Gate-7-pw-long!", stdout=io.StringIO())
    a = RoleAssignment.objects.get(user__username="cli_user")
    row = rows_of(a).get()
    assert row.source == "cli" and row.actor_name == "system:cli:createuser"


def test_the_admin_inline_goes_through_the_service(world, newcomer):
    admin = Client()
    admin.force_login(world.admin)
    url = f"/admin/accounts/user/{newcomer.pk}/change/"
    page = admin.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update({
        "username": newcomer.username, "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
        "is_active": "on",
        "role_assignments-TOTAL_FORMS": "1", "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0", "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-role": "sampler", "role_assignments-0-area": str(world.compound_b.pk),
    })
    data.pop("password", None)
    data.pop("last_login", None)
    response = admin.post(url, data)
    assert response.status_code == 302, [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms] \
        if response.context else response.content[:2000]
    a = RoleAssignment.objects.get(user=newcomer)
    assert rows_of(a).get().source == "admin" and rows_of(a).get().actor == world.admin


def test_lab_membership_is_in_the_change_log(world):
    from frontline.screening.services import rounds

    lab_user = grant(UserFactory(username="lab_member"), "lab", world.city)
    lab = rounds.create_lab(name="检测所", code="L9", members=[lab_user], actor=SYSTEM)
    row = AuditEntry.objects.get(model="screening.lab", object_id=str(lab.pk))
    assert row.changes["members"] == [[], ["lab_member"]]


def test_role_ranks_cover_every_role():
    from frontline.accounts.roles import ROLE_RANK, Role

    assert set(ROLE_RANK) == set(Role.values)
    assert ROLE_RANK["community_secretary"] > ROLE_RANK["community_worker"] > ROLE_RANK["volunteer"]
    assert User  # the model imports
