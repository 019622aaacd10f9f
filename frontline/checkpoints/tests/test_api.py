import datetime
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from frontline.accounts.models import DeviceToken
from frontline.checkpoints import services, tokens
from frontline.checkpoints.models import ErrandRequest, Passage, VehiclePassage, VenueScan
from frontline.core import validity

pytestmark = pytest.mark.django_db
API = "/api/v1/checkpoints"


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


@pytest.fixture
def gate_phone(world):
    """A Client authenticated only by a device token of volunteer_a (a gate phone)."""
    _token, key = DeviceToken.issue(world.volunteer_a, "东门手机")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_gate_phone_records_a_passage_with_its_device_token(world, gate_a, gate_phone):
    cid = str(uuid.uuid4())
    body = {"gate_id": gate_a.pk, "direction": "out", "value": world.resident_a.id_number, "client_id": cid,
            "health_code": "green"}
    r = post(gate_phone, f"{API}/passages", body)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["decision"] == "allowed" and data["rule"] == "normal" and data["resident"]["name"] == "曾*明"
    assert world.resident_a.id_number not in r.content.decode()  # masked
    again = post(gate_phone, f"{API}/passages", body)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Passage.objects.count() == 1


def test_unauthenticated_and_bad_token_are_401(world, gate_a):
    assert Client().get(f"{API}/gates").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer fl_nope").get(f"{API}/gates").status_code == 401


def test_scope_outside_is_404_inside_without_the_right_is_403(world, gate_a, login, policy_on):
    client = login(world.worker_b)
    assert client.get(f"{API}/gates/{gate_a.pk}").status_code == 404
    r = post(client, f"{API}/passages", {"gate_id": gate_a.pk, "direction": "out", "value": world.resident_a.id_number})
    assert r.status_code == 404
    assert [g["id"] for g in login(world.outsider).get(f"{API}/gates").json()] == []
    assert post(login(world.worker_b), f"{API}/gates/{gate_a.pk}/identify", {"value": "曾小明"}).status_code == 404
    policy_on(world.compound_a, "sealed")
    refused = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number).passage
    r = post(login(world.volunteer_a), f"{API}/passages/{refused.pk}/override", {"reason": "就医"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = post(login(world.worker_a), f"{API}/passages/{refused.pk}/override", {"reason": "就医"})
    assert r.status_code == 200 and r.json()["effective_decision"] == "allowed" and r.json()["rule"] == "sealed"


def test_identify_explains_bad_input(world, gate_a, login, family_a):
    client = login(world.volunteer_a)
    number = world.resident_a.id_number
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": bad, "direction": "out"}).json()
    assert r["status"] == "error" and number[17] in r["message"]
    token = tokens.resident_token(world.resident_a)
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": token[:-2] + "xx"}).json()
    assert r["status"] == "refused" and r["preview"]["rule"] == "qr_invalid"
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": "不认识的人"}).json()
    assert r["status"] == "unknown"
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": number, "direction": "out"}).json()
    assert r["status"] == "resident" and r["preview"]["decision"] == "allowed"
    assert {m["name"] for m in r["household"]["members"]} == {"曾*明", "刘*", "曾*雨"}
    gate_pass = services.issue_pass(household=world.household_a, valid_until=timezone.now() + datetime.timedelta(days=3),
                                    actor=world.worker_a)
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": tokens.pass_token(gate_pass)}).json()
    assert r["status"] == "choose_member" and len(r["household"]["members"]) == 3
    r = post(client, f"{API}/gates/{gate_a.pk}/identify", {"value": "x", "temperature": "373"})
    assert r.status_code == 422 and "temperature" in r.json()["message"]


def test_temperature_typo_is_422_and_nothing_stored(world, gate_a, gate_phone):
    r = post(gate_phone, f"{API}/passages", {"gate_id": gate_a.pk, "direction": "in", "value": world.resident_a.id_number,
                                             "temperature": "3.73"})
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert Passage.objects.count() == 0


def test_offline_batch_replayed_three_times_is_stored_once(world, gate_a, gate_phone):
    skewed = (timezone.now() - datetime.timedelta(days=1, hours=3)).isoformat()
    items = [
        {"client_id": str(uuid.uuid4()), "client_time": skewed, "gate_id": gate_a.pk, "direction": "out",
         "value": world.resident_a.id_number, "offline": {"decision": "allowed", "rule": "normal", "reason": "离线"}},
        {"client_id": str(uuid.uuid4()), "client_time": skewed, "gate_id": gate_a.pk, "direction": "in",
         "value": world.resident_a.id_number, "temperature": "373"},
        {"client_id": str(uuid.uuid4()), "client_time": skewed, "kind": "vehicle", "gate_id": gate_a.pk, "direction": "in",
         "plate": "陕A·12345", "purpose": "送菜"},
        {"client_id": str(uuid.uuid4()), "client_time": skewed, "kind": "errand", "resident_id": world.resident_a.pk,
         "what": "羊肉汤"},
        {"client_id": "", "gate_id": gate_a.pk},
    ]
    statuses = []
    for _ in range(3):
        r = post(gate_phone, f"{API}/batch", {"items": items})
        assert r.status_code == 200, r.content
        statuses.append([x["status"] for x in r.json()["results"]])
    assert statuses[0] == ["created", "rejected", "created", "created", "rejected"]
    assert statuses[1] == statuses[2] == ["duplicate", "rejected", "duplicate", "duplicate", "rejected"]
    assert "输错" in r.json()["results"][1]["message"]  # a gate phone gets Chinese by default
    assert Passage.objects.count() == 1 and VehiclePassage.objects.count() == 1 and ErrandRequest.objects.count() == 1
    p = Passage.objects.get()
    assert p.decided_offline and p.client_time.isoformat() == skewed
    assert abs((p.at - timezone.now()).total_seconds()) < 60  # the server's time decided
    assert VehiclePassage.objects.get().plate == "陕A12345"


def test_batch_item_for_a_gate_out_of_scope_is_rejected_not_retried(world, gate_b, gate_phone):
    item = {"client_id": str(uuid.uuid4()), "gate_id": gate_b.pk, "direction": "out", "value": "李四"}
    r = post(gate_phone, f"{API}/batch", {"items": [item]})
    assert r.json()["results"][0]["status"] == "rejected"


def test_gate_state_snapshot_holds_no_plain_personal_numbers(world, gate_a, gate_phone, policy_on, family_a):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=family_a["wife"].id_number)
    r = gate_phone.get(f"{API}/gates/{gate_a.pk}/state")
    assert r.status_code == 200
    text = r.content.decode()
    state = r.json()
    for person in family_a.values():
        assert person.id_number not in text
    assert "13912340001" not in text and "salt" not in state
    assert {x["id"] for x in state["residents"]} == {p.pk for p in family_a.values()}
    assert state["quotas"][0]["people"] == [family_a["wife"].pk]
    assert state["policies"][0]["mode"] == "controlled"
    assert world.resident_b.name not in text  # only this compound


def test_venue_code_app_posts_scans_and_contacts_are_found(world, login):
    shop = services.create_venue(area=world.compound_a, name="超市", actor=world.admin)
    _t, key = DeviceToken.issue(world.worker_a, "场所码")
    app = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    code = tokens.venue_token(shop)
    first = post(app, f"{API}/scans", {"venue_token": code, "id_number": world.resident_a.id_number})
    assert first.status_code == 201
    post(app, f"{API}/scans", {"venue_token": code, "phone": "13800005555"})
    assert post(app, f"{API}/scans", {"venue_token": code[:-1] + "!", "phone": "13800005555"}).status_code == 422
    r = app.get(f"{API}/scans/{first.json()['id']}/contacts?minutes=30")
    assert r.status_code == 200 and len(r.json()) == 1
    batch = post(app, f"{API}/scans/batch", {"items": [{"client_id": str(uuid.uuid4()), "venue_token": code, "phone": "13800006666"}] * 2})
    assert [x["status"] for x in batch.json()["results"]] == ["created", "duplicate"]
    assert VenueScan.objects.count() == 3


def test_policy_needs_the_command_post(world, login):
    body = {"area_id": world.compound_a.pk, "mode": "controlled", "quota_people": 1, "quota_days": 2, "reason": "2号通告"}
    assert post(login(world.worker_a), f"{API}/policies", body).status_code == 403
    r = post(login(world.street_officer), f"{API}/policies", body)
    assert r.status_code == 201 and r.json()["description"]
    bad = {**body, "quota_people": None}
    assert post(login(world.street_officer), f"{API}/policies", bad).status_code == 422


def test_exemptions_passes_isolations_over_the_api(world, login, gate_a):
    client = login(world.worker_a)
    now = timezone.now()
    r = post(client, f"{API}/exemptions", {"resident_id": world.resident_a.pk, "kind": "exam", "evidence": "准考证123",
                                           "valid_from": now.isoformat(), "valid_until": (now + datetime.timedelta(days=1)).isoformat()})
    assert r.status_code == 201
    assert post(client, f"{API}/exemptions/{r.json()['id']}/revoke", {"reason": "考试取消"}).json()["revoked_at"]
    r = post(client, f"{API}/passes", {"household_id": world.household_a.pk, "valid_until": (now + datetime.timedelta(days=7)).isoformat()})
    assert r.status_code == 201 and r.json()["token"].startswith("FLP1.")
    assert post(client, f"{API}/passes/{r.json()['id']}/revoke", {"reason": "遗失"}).status_code == 200
    again = post(client, f"{API}/passes/{r.json()['id']}/revoke", {"reason": "遗失"})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    other = Client()
    other.force_login(world.worker_b)
    assert post(other, f"{API}/passes", {"household_id": world.household_a.pk, "valid_until": now.isoformat()}).status_code == 404
    # Home isolation moved to /api/v1/isolation/ (the isolation app's tests cover it).
    assert client.get(f"{API}/isolations").status_code == 404


def test_stats_endpoint_counts_per_gate_and_day(world, gate_a, login, policy_on):
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number)
    policy_on(world.compound_a, "sealed")
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number)
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", value=world.resident_a.id_number, temperature="37.6")
    rows = login(world.worker_a).get(f"{API}/stats").json()
    assert len(rows) == 1
    row = rows[0]
    assert (row["passages_out"], row["refused"], row["fevers"]) == (1, 2, 1)
    assert row["refusals_by_rule"] == {"sealed": 1, "fever": 1}
    assert login(world.worker_b).get(f"{API}/stats").json() == []


def test_a_revoked_pass_of_another_compound_reveals_nothing_of_that_household(world, gate_a, login):
    other = services.issue_pass(household=world.household_b, valid_until=timezone.now() + datetime.timedelta(days=3),
                                actor=world.admin)
    validity.revoke(other, reason="遗失", actor=world.admin)
    r = post(login(world.volunteer_a), f"{API}/gates/{gate_a.pk}/identify", {"value": tokens.pass_token(other)}).json()
    assert r["status"] == "refused" and r["preview"]["rule"] == "pass_other_compound"
    assert r["household"] is None and "遗失" not in json.dumps(r)


def test_our_schema_names_are_not_shadowed_in_the_openapi_document():
    """django-ninja names components by class name; a same-named schema of another app would
    silently replace ours (or ours theirs)."""
    from ninja import Schema

    from frontline.api import api
    from frontline.checkpoints import schemas

    components = api.get_openapi_schema()["components"]["schemas"]
    ours = [v for v in vars(schemas).values() if isinstance(v, type) and issubclass(v, Schema)
            and v.__module__ == schemas.__name__ and v.__name__ in components]
    assert len(ours) > 20
    for model in ours:
        assert set(components[model.__name__]["properties"]) == set(model.model_fields), model.__name__
