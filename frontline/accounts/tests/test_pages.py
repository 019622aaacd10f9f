"""Login (rate limited), logout, password change and the "my account" page with device tokens."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.urls import reverse

from frontline.accounts.models import DeviceToken
from frontline.core.models import AuditEntry
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED_EN = "Too many failed attempts. Try again in a few minutes."


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Failures are counted in the throttle cache (the database here); each test starts with none.
    cache.clear()
    caches["throttle"].clear()
    yield
    cache.clear()


def log_in(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_login_with_the_right_password(world, client):
    response = log_in(client, "worker_a", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("core:dashboard")
    assert client.session[SESSION_KEY] == str(world.worker_a.pk)


def test_wrong_password_says_so_in_chinese(world, client):
    response = log_in(client, "worker_a", "nope")
    assert response.status_code == 200 and SESSION_KEY not in client.session
    assert "请输入一个正确的" in response.content.decode()  # Django's own zh_Hans message


def test_five_failures_lock_the_account_even_for_the_right_password(world, client, english):
    for _ in range(5):
        assert LOCKED_EN not in log_in(client, "worker_a", "wrong").content.decode()
    response = log_in(client, "worker_a", PASSWORD)
    assert response.status_code == 200
    assert LOCKED_EN in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_lock_message_in_chinese(world, client):
    for _ in range(5):
        log_in(client, "worker_a", "wrong")
    assert "登录失败次数过多" in log_in(client, "worker_a", PASSWORD).content.decode()


def test_the_lock_holds_for_other_spellings_of_the_username(world, client, english):
    for _ in range(5):
        log_in(client, "worker_a", "wrong")
    assert LOCKED_EN in log_in(client, "WORKER_A", PASSWORD).content.decode()


def test_four_failures_then_success_resets_the_count(world, client):
    for _ in range(4):
        log_in(client, "worker_a", "wrong")
    assert log_in(client, "worker_a", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "worker_a", "wrong")
    assert log_in(client, "worker_a", PASSWORD).status_code == 302


def test_a_lock_on_one_user_leaves_another_alone(world, client):
    for _ in range(5):
        log_in(client, "worker_a", "wrong")
    assert log_in(client, "worker_b", PASSWORD).status_code == 302


def test_logout_is_a_post_and_ends_the_session(world, login):
    client = login(world.worker_a)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert client.get(reverse("residents:list")).status_code == 302


def test_password_change(world, login, english):
    client = login(world.worker_a)
    url = reverse("accounts:password_change")
    response = client.post(url, {"old_password": "wrong", "new_password1": "Xian-2022-jan", "new_password2": "Xian-2022-jan"})
    assert response.status_code == 200 and response.context["form"].errors["old_password"]
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"})
    assert response.context["form"].errors["new_password2"]
    response = client.post(url, {"old_password": PASSWORD, "new_password1": "Xian-2022-jan", "new_password2": "Xian-2022-jan"})
    assert response["Location"] == reverse("accounts:password_done")
    client.post(reverse("accounts:logout"))
    assert log_in(client, "worker_a", PASSWORD).status_code == 200
    assert log_in(client, "worker_a", "Xian-2022-jan").status_code == 302


def test_account_page_shows_roles_and_areas(world, login, english):
    html = login(world.worker_a).get(reverse("accounts:account")).content.decode()
    assert "community worker" in html and "小区A" in html
    assert "see ID numbers and phones in full" in html
    html = login(world.volunteer_a).get(reverse("accounts:account")).content.decode()
    assert "volunteer" in html and "see ID numbers and phones in full" not in html


def test_account_page_needs_login(client):
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_issue_a_token_shows_the_key_once_and_it_works(world, login):
    client = login(world.worker_a)
    response = client.post(reverse("accounts:account"), {"name": "1号卡口手机"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = response.context["new_key"]
    assert key.startswith("fl_") and key in response.content.decode()
    assert DeviceToken.objects.authenticate(key) == world.worker_a
    assert key not in client.get(reverse("accounts:account")).content.decode()
    entry = AuditEntry.objects.get(model="accounts.devicetoken", action="create")
    assert key not in str(entry.changes) and entry.actor == world.worker_a
    # Through the accounts service, like the API: the log names whose device it is.
    assert entry.source == "web" and entry.changes["user"] == [None, world.worker_a.username]


def test_token_needs_a_name(world, login):
    response = login(world.worker_a).post(reverse("accounts:account"), {"name": "   "})
    assert response.status_code == 400 and response.context["form"].errors["name"]
    assert not DeviceToken.objects.exists()


def test_revoke_a_token(world, login):
    token, key = DeviceToken.issue(world.worker_a, "旧手机")
    client = login(world.worker_a)
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response["Location"] == reverse("accounts:account")
    assert DeviceToken.objects.authenticate(key) is None
    token.refresh_from_db()
    assert token.revoked_at is not None
    entry = AuditEntry.objects.get(model="accounts.devicetoken", action="update", object_id=str(token.pk))
    assert entry.actor == world.worker_a and entry.source == "web" and "revoked_at" in entry.changes


def test_nobody_revokes_another_users_token(world, login):
    token, key = DeviceToken.issue(world.worker_b, "B的手机")
    assert login(world.worker_a).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert DeviceToken.objects.authenticate(key) == world.worker_b


def test_revoke_is_post_only(world, login):
    token, key = DeviceToken.issue(world.worker_a, "手机")
    assert login(world.worker_a).get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    assert DeviceToken.objects.authenticate(key) == world.worker_a
