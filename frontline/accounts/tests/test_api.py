"""/me, device tokens, and how the API authenticates: token (two headers), session with CSRF, 401."""

import re

import pytest
from django.test import Client

from frontline.accounts.models import DeviceToken
from frontline.api import api
from frontline.core.models import AuditEntry
from tests.apiclient import API, send, token_client

pytestmark = pytest.mark.django_db


def session_client(user) -> Client:
    """Signed in with a password (a device token may not issue tokens)."""
    client = Client()
    client.force_login(user)
    return client


# --- /me ----------------------------------------------------------------------------------------

def test_me_lists_roles_with_area_names_and_actions(world):
    response = send(token_client(world.worker_a), "get", "/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "worker_a" and body["auth"] == "token"
    [role] = body["roles"]
    assert role["role"] == "community_worker" and role["area"]["name"] == "小区A"
    assert role["area"]["full_name"].endswith("八一西街社区 › 小区A")
    assert "reveal" in body["actions"] and "delete" not in body["actions"]


def test_me_over_a_session(login, world):
    body = send(login(world.street_officer), "get", "/me").json()
    assert body["auth"] == "session" and "manage" in body["actions"]


def test_me_for_someone_without_roles(world):
    body = send(token_client(world.outsider), "get", "/me").json()
    assert body["roles"] == [] and body["actions"] == []


# --- own device tokens ------------------------------------------------------------------------------

def test_issue_use_and_revoke_a_token(login, world):
    session = login(world.volunteer_a)
    response = send(session, "post", "/me/tokens", {"name": "3号门手机"})
    assert response.status_code == 201
    issued = response.json()
    key = issued["key"]
    assert key.startswith("fl_") and issued["prefix"] == key[:8]

    listed = send(session, "get", "/me/tokens").json()
    assert [t["name"] for t in listed] == ["3号门手机"] and "key" not in listed[0]
    assert key not in send(session, "get", "/me/tokens").content.decode()

    phone = Client(headers={"Authorization": f"Bearer {key}"})
    assert send(phone, "get", "/me").json()["username"] == "volunteer_a"
    assert DeviceToken.objects.get(pk=issued["id"]).last_used_at is not None

    assert send(session, "delete", f"/me/tokens/{issued['id']}").status_code == 204
    response = send(phone, "get", "/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert send(Client(headers={"X-Device-Token": key}), "get", "/residents").status_code == 401
    assert send(session, "get", "/me/tokens").json()[0]["active"] is False


def test_only_the_hash_of_a_token_is_stored(world):
    key = send(session_client(world.worker_a), "post", "/me/tokens", {"name": "phone"}).json()["key"]
    token = DeviceToken.objects.get(name="phone")
    assert key not in (token.digest, token.prefix) and len(token.digest) == 64
    entry = AuditEntry.objects.get(model="accounts.devicetoken", object_id=str(token.pk))
    assert key not in str(entry.changes)


def test_someone_elses_token_cannot_be_revoked_through_me(world):
    other, _key = DeviceToken.issue(world.worker_b, "b phone")
    assert send(token_client(world.worker_a), "delete", f"/me/tokens/{other.pk}").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None


def test_a_token_name_is_required(world):
    response = send(token_client(world.worker_a), "post", "/me/tokens", {"name": " "})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "name"


# --- tokens of managed users ----------------------------------------------------------------------

def test_street_officer_manages_a_workers_tokens(world):
    officer = session_client(world.street_officer)
    response = send(officer, "post", f"/users/{world.worker_a.pk}/tokens", {"name": "A门岗"})
    assert response.status_code == 201
    token_id, key = response.json()["id"], response.json()["key"]
    assert DeviceToken.objects.get(pk=token_id).user == world.worker_a
    assert [t["id"] for t in send(officer, "get", f"/users/{world.worker_a.pk}/tokens").json()] == [token_id]
    assert send(officer, "delete", f"/users/{world.worker_a.pk}/tokens/{token_id}").status_code == 204
    assert send(Client(headers={"Authorization": f"Bearer {key}"}), "get", "/me").status_code == 401


def test_a_worker_does_not_manage_others(world):
    worker = token_client(world.worker_a)
    # volunteer_a works in the worker's own compound: visible, but a worker has no `manage`.
    assert send(worker, "get", f"/users/{world.volunteer_a.pk}/tokens").status_code == 403
    assert send(session_client(world.worker_a), "post", f"/users/{world.volunteer_a.pk}/tokens", {"name": "x"}).status_code == 403
    # worker_b is outside the worker's areas: as if absent.
    assert send(worker, "get", f"/users/{world.worker_b.pk}/tokens").status_code == 404
    assert not DeviceToken.objects.filter(name="x").exists()


def test_nobody_below_an_administrator_manages_an_administrator(world):
    assert send(session_client(world.street_officer), "post", f"/users/{world.admin.pk}/tokens", {"name": "x"}).status_code == 404
    assert send(session_client(world.admin), "post", f"/users/{world.street_officer.pk}/tokens", {"name": "x"}).status_code == 201


def test_a_token_of_another_user_is_404_under_the_wrong_user(world):
    token, _key = DeviceToken.issue(world.worker_b, "b phone")
    officer = token_client(world.street_officer)
    assert send(officer, "delete", f"/users/{world.worker_a.pk}/tokens/{token.pk}").status_code == 404


# --- authentication on every endpoint ------------------------------------------------------------

def operations():
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method in methods:
            yield method, re.sub(r"\{[^}]+\}", "1", path)


def call(client, method, path):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, data="{}", content_type="application/json")


@pytest.mark.parametrize("method,path", list(operations()))
def test_every_endpoint_answers_401_without_credentials(client, method, path):
    response = call(client, method, path)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


MINTING = {("post", "/api/v1/me/tokens"), ("post", "/api/v1/users/1/tokens")}


@pytest.mark.parametrize("header", ["bearer", "x-device-token"])
@pytest.mark.parametrize("method,path", [op for op in operations() if op not in MINTING])
def test_every_endpoint_accepts_a_device_token(world, header, method, path):
    client = token_client(world.admin, header=header)
    response = call(client, method, path)
    assert response.status_code not in (401, 403, 500), response.content


def test_minting_operations_are_the_token_issuing_ones():
    assert MINTING <= set(operations())


@pytest.mark.parametrize("header", ["bearer", "x-device-token"])
def test_a_device_token_cannot_mint_tokens(world, header):
    """A stolen phone must not make itself keys that outlive the revocation of its own."""
    phone = token_client(world.street_officer, header=header)
    before = DeviceToken.objects.count()
    mine = send(phone, "post", "/me/tokens", {"name": "另一部手机"})
    assert mine.status_code == 403 and mine.json()["code"] == "forbidden"
    managed = send(phone, "post", f"/users/{world.worker_a.pk}/tokens", {"name": "工作人员手机"})
    assert managed.status_code == 403
    assert DeviceToken.objects.count() == before
    assert not AuditEntry.objects.filter(model="accounts.devicetoken", action="create").exists()
    # Reading and revoking stay open to the device (a lost phone can be switched off from another).
    assert send(phone, "get", "/me/tokens").status_code == 200
    own = DeviceToken.objects.get(user=world.street_officer)
    assert send(phone, "delete", f"/me/tokens/{own.pk}").status_code == 204


def test_the_same_person_signed_in_with_a_password_can_mint(login, world):
    session = login(world.street_officer)
    assert send(session, "post", f"/users/{world.worker_a.pk}/tokens", {"name": "工作人员手机"}).status_code == 201


def test_a_wrong_token_is_401(world):
    assert send(Client(headers={"Authorization": "Bearer fl_nonsense"}), "get", "/me").status_code == 401
    assert send(Client(headers={"X-Device-Token": "fl_nonsense"}), "get", "/me").status_code == 401


def test_a_token_of_a_deactivated_user_is_401(world):
    client = token_client(world.worker_a)
    world.worker_a.is_active = False
    world.worker_a.save()
    assert send(client, "get", "/me").status_code == 401


# --- CSRF for sessions -------------------------------------------------------------------------------

def test_session_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    response = send(client, "post", "/me/tokens", {"name": "laptop"})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    response = send(client, "patch", f"/residents/{world.resident_a.pk}", {"notes": "x"})
    assert response.status_code == 403
    world.resident_a.refresh_from_db()
    assert world.resident_a.notes == ""
    assert not DeviceToken.objects.filter(name="laptop").exists()

    client.get("/accounts/login/")  # any page that renders a form sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = send(client, "post", "/me/tokens", {"name": "laptop"}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201


def test_session_reads_need_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    assert send(client, "get", "/me").status_code == 200


def test_token_writes_need_no_csrf_token(world):
    _token, key = DeviceToken.issue(world.worker_a, "phone")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})
    response = send(client, "patch", f"/residents/{world.resident_a.pk}", {"notes": "送药"})
    assert response.status_code == 200


def test_unsafe_request_without_any_credentials_is_401_not_a_csrf_failure(world):
    client = Client(enforce_csrf_checks=True)
    assert send(client, "post", "/me/tokens", {"name": "x"}).status_code == 401


def test_api_root_is_under_v1():
    assert API == "/api/v1"
