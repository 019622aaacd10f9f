"""Error pages in the UI's language with the site's frame and a way back (core/errors.py).
tests/test_junk_queries.py asks every page with junk in its query parameters."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

# --- the error pages themselves -----------------------------------------------------------------

def test_404_is_chinese_inside_the_frame_with_a_way_back(world, login):
    response = login(world.worker_a).get("/residents/999999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "未找到" in html and "不在您负责的区域内" in html
    assert 'class="mainnav"' in html and "返回上一页" in html and 'href="/"' in html


def test_404_in_english_after_the_switch(world, login, english):
    html = english.get("/no/such/page/").content.decode()
    assert "Not found" in html and "Go back" in html


def test_403_wrong_role_says_so(world, login):
    from frontline.checkpoints.models import Gate

    gate = Gate.objects.create(compound=world.compound_a, name="北门")
    response = login(world.worker_b).get(reverse("checkpoints:screen", args=[gate.pk]))
    assert response.status_code in (403, 404)
    html = response.content.decode()
    assert ("无权访问" in html) or ("未找到" in html)
    assert "返回上一页" in html


def test_403_page(rf, world):
    from django.core.exceptions import PermissionDenied

    from frontline.core import errors

    request = rf.get("/screening/")
    request.user = world.worker_a
    request.LANGUAGE_CODE = "zh-hans"
    response = errors.permission_denied(request, PermissionDenied())
    assert response.status_code == 403 and "您的角色无权访问" in response.content.decode()


def test_csrf_failure_is_a_page_not_django_yellow(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "表单已过期" in html and "返回上一页" in html and "CSRF verification failed" not in html


@pytest.mark.parametrize("status,words", [(410, "此链接已失效"), (429, "尝试次数过多"), (400, "请求无法识别")])
def test_other_error_pages(rf, world, status, words):
    from frontline.core import errors

    request = rf.get("/")
    request.user = world.worker_a
    response = errors.error_page(request, status)
    assert response.status_code == status and words in response.content.decode()


def test_500_is_a_page_and_survives_a_broken_frame(rf, monkeypatch, world):
    from frontline.core import errors

    request = rf.get("/")
    request.user = world.worker_a
    response = errors.server_error(request)
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()
    monkeypatch.setattr("frontline.core.context_processors.nav", lambda request: 1 / 0)
    response = errors.server_error(request)
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()


def test_api_errors_are_left_to_the_api(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert "text/html" not in response.get("Content-Type", "") or "返回上一页" not in response.content.decode()


def test_junk_ids_in_a_query_or_an_address_are_ignored_or_404_never_500(world, login):
    import datetime

    from django.utils import timezone

    from frontline.screening.models import Round
    from frontline.screening.services import rounds

    now = timezone.now()
    r = rounds.create_round(name="轮", areas=[world.compound_a], starts_at=now, ends_at=now + datetime.timedelta(hours=2),
                            pooling=Round.Pooling.TEN, actor=world.street_officer)
    client = login(world.worker_a)
    for junk in ("abc", "99999999999999999999", "-1"):
        assert client.get(reverse("screening:coverage", args=[r.pk]), {"area": junk}).status_code in (200, 400, 404)
        assert client.get(reverse("screening:retests"), {"round": junk}).status_code == 200
        assert client.get(reverse("residents:household_create"), {"area": junk}).status_code in (200, 403)
    assert client.get("/residents/99999999999999999999/").status_code == 404
