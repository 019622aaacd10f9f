"""Hole 12: a new password (page, admin, service, CLI) or a deactivation revokes the user's device
tokens, each in the change log; /users/{id}/tokens of a user outside one's reach is 404."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from frontline.accounts import services
from frontline.accounts.models import DeviceToken, User
from frontline.core.models import AuditEntry
from tests.apiclient import send
from tests.factories import PASSWORD, SYSTEM, UserFactory, grant

pytestmark = pytest.mark.django_db

NEW = "Gate-7-new-password!"


def phone(user, name="3号门手机"):
    token, key = DeviceToken.issue(user, name)
    return token, Client(headers={"Authorization": f"Bearer {key}"})


def works(client) -> bool:
    return send(client, "get", "/me").status_code == 200


def revoked_rows(token):
    return AuditEntry.objects.filter(model="accounts.devicetoken", object_id=str(token.pk), changes__has_key="revoked_at")


def test_the_password_page_says_so_and_revokes(world):
    token, device = phone(world.worker_a)
    client = Client()
    client.force_login(world.worker_a)
    page = client.get("/accounts/password/")
    assert "3号门手机" in page.content.decode() and 'id="token-notice"' in page.content.decode()
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW,
                                                   "new_password2": NEW}, follow=True)
    assert response.status_code == 200 and response.redirect_chain
    assert not works(device)
    token.refresh_from_db()
    assert token.revoked_at is not None
    [row] = revoked_rows(token)
    assert row.actor == world.worker_a and row.source == "web" and row.reason == "password changed"
    assert any("revoked" in str(m) or "吊销" in str(m) or "撤销" in str(m) for m in response.context["messages"])
    # The session that changed the password stays signed in.
    assert client.get("/accounts/").status_code == 200


def test_the_service_revokes_and_is_audited(world):
    token, device = phone(world.worker_a)
    other_token, other = phone(world.worker_b)
    assert services.set_password(world.worker_a, NEW, actor=world.street_officer, source="api") == 1
    assert not works(device) and works(other)
    assert revoked_rows(token).get().actor == world.street_officer
    assert AuditEntry.objects.filter(model="accounts.user", object_id=str(world.worker_a.pk), reason="password changed").exists()
    with pytest.raises(PermissionDenied):  # a worker does not set someone else's password
        services.set_password(world.worker_b, NEW, actor=world.worker_a)


def test_any_save_of_a_new_password_revokes(world):
    token, device = phone(world.worker_a)
    user = User.objects.get(pk=world.worker_a.pk)
    user.set_password(NEW)
    user.save()
    assert not works(device)
    assert revoked_rows(token).get().actor_name == "system:accounts"


def test_a_login_that_rehashes_the_password_keeps_the_tokens(world, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="rehash")
    grant(user, "volunteer", world.compound_a)
    User.objects.filter(pk=user.pk).update(password=__import__("django.contrib.auth.hashers", fromlist=["x"])
                                           .make_password(PASSWORD, hasher="md5"))
    token, device = phone(user)
    assert Client().post("/accounts/login/", {"username": "rehash", "password": PASSWORD}).status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2")
    assert works(device)


def test_the_cli_revokes(world):
    token, device = phone(world.worker_a)
    call_command("createuser", "worker_a", "--password", NEW, "--role", "community_worker",
                 "--area", str(world.compound_a.pk), stdout=io.StringIO())
    assert not works(device)
    assert revoked_rows(token).exists()


def test_deactivation_revokes(world):
    token, device = phone(world.worker_a)
    assert services.deactivate_user(world.worker_a, actor=world.street_officer) == 1
    token.refresh_from_db()
    assert token.revoked_at is not None and revoked_rows(token).get().reason == "account deactivated"
    # Reactivated, the old token stays revoked.
    User.objects.filter(pk=world.worker_a.pk).update(is_active=True)
    assert not works(device)


def test_the_admin_password_change_and_deactivation_revoke(world):
    admin = Client()
    admin.force_login(world.admin)
    token, device = phone(world.worker_a)
    response = admin.post(f"/admin/accounts/user/{world.worker_a.pk}/password/",
                          {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content[:1500]
    assert not works(device)
    row = revoked_rows(token).get()
    assert row.actor == world.admin and row.source == "admin"

    token_b, device_b = phone(world.worker_b)
    user = User.objects.get(pk=world.worker_b.pk)
    user.is_active = False
    with services.acting(world.admin, "admin"):
        user.save()
    assert not works(device_b) and revoked_rows(token_b).get().actor == world.admin


@pytest.mark.parametrize("method,suffix,body", [("get", "", None), ("post", "", {"name": "x"}), ("delete", "/1", None)])
def test_tokens_of_a_user_out_of_reach_are_404(world, method, suffix, body):
    client = Client()
    client.force_login(world.worker_a)
    stranger = grant(UserFactory(username="stranger"), "community_worker", world.compound_c)
    for target in (world.worker_b, stranger, world.outsider, world.admin, world.street_officer):
        response = send(client, method, f"/users/{target.pk}/tokens{suffix}", body)
        assert response.status_code == 404, (target, response.status_code)
        assert response.json()["code"] == "not_found"
    # Within view but not managed: 403 by role, as elsewhere.
    assert send(client, method, f"/users/{world.volunteer_a.pk}/tokens{suffix}", body).status_code == 403
    assert SYSTEM  # the suite's system actor exists (used by the world)
