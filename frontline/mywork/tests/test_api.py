"""GET /api/v1/me/work, POST /api/v1/me/work/{id}/ack and /resolve."""

import pytest

from frontline.core.models import Alert
from tests.factories import UserFactory, grant

from .helpers import alert

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/work"


def test_list_with_counts_filters_and_pages(world, login):
    for i in range(5):
        alert(world.unit_a, f"HS{i}", minutes_ago=i)
    alert(world.unit_a, "POOL", kind="screening.positive_pool")
    alert(world.unit_b, "B")
    client = login(world.worker_a)
    body = client.get(URL, {"limit": 4}).json()
    assert [i["kind"] for i in body["items"]][0] == "screening.positive_pool"
    assert {c["kind"]: c["count"] for c in body["counts"]} == {"screening.result_conflict": 5, "screening.positive_pool": 1}
    assert body["total"] == 6 and body["badge"] == 6 and body["next_cursor"]
    rest = client.get(body["next"]).json()
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    ids = [i["id"] for i in body["items"] + rest["items"]]
    assert len(set(ids)) == 6
    only = client.get(URL, {"kind": "screening.positive_pool"}).json()
    assert [i["message"] for i in only["items"]] == ["试管 POOL 的检测结果冲突，请复核。"]
    assert only["items"][0]["actions"] == ["ack", "resolve"] and only["items"][0]["area"] == "1单元"
    assert client.get(URL, {"area": world.compound_b.pk}).status_code == 404
    assert client.get(URL, {"kind": "nope.kind"}).json()["items"] == []
    assert client.get(URL, {"cursor": "x"}).status_code == 422


def test_ack_and_resolve(world, login):
    item = alert(world.unit_a, "HS1")
    client = login(world.worker_a)
    body = client.post(f"{URL}/{item.pk}/ack").json()
    assert body == {"id": item.pk, "acknowledged": True, "resolved": False}
    assert client.get(URL).json()["badge"] == 0
    assert client.post(f"{URL}/{item.pk}/resolve", {"reason": ""}, content_type="application/json").status_code == 422
    assert client.post(f"{URL}/{item.pk}/resolve", {"reason": "  "}, content_type="application/json").status_code == 422
    response = client.post(f"{URL}/{item.pk}/resolve", {"reason": "已处理"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["resolved"]
    assert Alert.objects.get(pk=item.pk).resolution == "已处理"
    again = client.post(f"{URL}/{item.pk}/resolve", {"reason": "again"}, content_type="application/json")
    assert again.status_code == 409
    assert client.post(f"{URL}/{item.pk}/ack").status_code == 409
    assert client.get(URL).json()["items"] == []


def test_out_of_scope_is_404(world, login):
    item = alert(world.unit_b, "HS1")
    lab = grant(UserFactory(username="lab"), "lab", world.city)
    for user in (world.worker_a, lab, world.outsider):
        client = login(user)
        assert client.post(f"{URL}/{item.pk}/ack").status_code == 404
        assert client.post(f"{URL}/{item.pk}/resolve", {"reason": "x"}, content_type="application/json").status_code == 404
        assert client.get(URL).json()["items"] == []
    assert client.post(f"{URL}/999999/ack").status_code == 404
    assert Alert.objects.get(pk=item.pk).acknowledged_at is None


def test_anonymous_is_401(client):
    assert client.get(URL).status_code == 401
