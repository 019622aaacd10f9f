"""The screening API as the desk, a lab system and the command post use it."""

import io
import json
import uuid

import pytest
from django.test import Client
from openpyxl import Workbook

from frontline.accounts.models import DeviceToken
from frontline.screening.models import LabResult, Sample, Tube
from frontline.screening.services import sampling, transport
from tests.factories import make_id_number

from .conftest import scan, tube_code

pytestmark = pytest.mark.django_db

API = "/api/v1/screening"


def post(client, url, data, **headers):
    return client.post(f"{API}{url}", json.dumps(data), content_type="application/json", **headers)


def token_client(user):
    _token, key = DeviceToken.issue(user, "test device")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def sealed_and_sent(screening, people, lab=None):
    code = tube_code()
    items = [scan(screening.desk_a, code, resident=p.pk) for p in people]
    items.append({"client_id": str(uuid.uuid4()), "kind": "seal", "desk": screening.desk_a.pk, "tube": code})
    sampling.ingest(items, actor=screening.sampler_a)
    bag = transport.create_bag(screening.site_a, f"BAG{uuid.uuid4().int % 10**10:010d}", actor=screening.sampler_a)
    transport.pack_tube(bag, code, actor=screening.sampler_a)
    transport.send_bag(bag, lab or screening.lab, actor=screening.sampler_a)
    return code, bag


# --- the desk's batch (the offline queue's endpoint) ---------------------------------------------

def test_offline_batch_replayed_three_times_is_stored_once(screening, login):
    client = login(screening.sampler_a)
    people = screening.people(12)
    codes = [tube_code(), tube_code()]
    items = [scan(screening.desk_a, codes[i // 10], resident=p.pk) for i, p in enumerate(people)]
    answers = [post(client, "/desk/batch", {"items": items}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    bodies = [a.json()["results"] for a in answers]
    assert [r["status"] for r in bodies[0]] == ["created"] * 12
    assert [r["status"] for r in bodies[1]] == ["duplicate"] * 12 == [r["status"] for r in bodies[2]]
    assert [r["client_id"] for r in bodies[2]] == [i["client_id"] for i in items]
    assert [(r["data"]["tube"], r["data"]["slot"]) for r in bodies[2]] == [(r["data"]["tube"], r["data"]["slot"]) for r in bodies[0]]
    assert Sample.objects.count() == 12
    assert list(Tube.objects.order_by("barcode").values_list("used", flat=True)) == [10, 2]


def test_batch_answers_bad_items_rejected_and_never_fails_the_upload(screening, login):
    client = login(screening.sampler_a)
    items = [
        {"client_id": "nope", "desk": screening.desk_a.pk, "tube": tube_code()},
        {"client_id": str(uuid.uuid4()), "desk": 999999, "tube": tube_code(), "resident": screening.world.resident_a.pk},
        {"client_id": str(uuid.uuid4()), "desk": screening.desk_a.pk, "tube": "???", "resident": screening.world.resident_a.pk},
        {"client_id": str(uuid.uuid4()), "desk": screening.desk_a.pk, "tube": tube_code(), "resident": 999999},
        {"client_id": str(uuid.uuid4()), "kind": "explode", "desk": screening.desk_a.pk},
        scan(screening.desk_a, tube_code(), resident=screening.world.resident_a.pk),
    ]
    response = post(client, "/desk/batch", {"items": items})
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["rejected"] * 5 + ["created"]
    assert all(r["message"] for r in response.json()["results"][:5])
    # A body that is not the queue's shape at all is refused as a whole (the queue never sends one).
    assert post(client, "/desk/batch", {"items": [[None, None]]}).status_code == 422
    assert post(client, "/desk/batch", {"items": [{**items[5], "green_channel": 0}]}).status_code == 422


def test_batch_needs_a_login_and_the_queue_keeps_its_items(screening, client):
    response = post(client, "/desk/batch", {"items": [scan(screening.desk_a, tube_code(), resident=screening.world.resident_a.pk)]})
    assert response.status_code == 401
    assert not Sample.objects.exists()


# --- the single scan ------------------------------------------------------------------------------

def test_single_scan_answers_and_warnings(screening, login, world):
    client = login(screening.sampler_a)
    code = tube_code()
    first = scan(screening.desk_a, code, id_number=world.resident_a.id_number)
    response = post(client, "/desk/scan", first)
    assert response.status_code == 201
    body = response.json()
    assert body["data"]["slot"] == 1 and body["data"]["name"] == "曾*明" and "*" in body["data"]["id_masked"]
    assert world.resident_a.id_number not in response.content.decode()
    assert post(client, "/desk/scan", first).status_code == 200  # a retry: the stored answer

    again = post(client, "/desk/scan", scan(screening.desk_a, tube_code(), resident=world.resident_a.pk))
    assert again.status_code == 409
    assert again.json()["code"] == "already_sampled" and again.json()["details"]["tube"] == code

    wrong = world.resident_b.id_number[:17] + ("1" if world.resident_b.id_number[17] != "1" else "2")
    bad_id = post(client, "/desk/scan", scan(screening.desk_a, code, id_number=wrong))
    assert bad_id.status_code == 422 and bad_id.json()["code"] == "id_check"

    outside = post(client, "/desk/scan", scan(screening.desk_a, code, id_number=world.resident_c.id_number))
    assert outside.status_code == 409 and outside.json()["code"] == "out_of_scope"
    confirmed = post(client, "/desk/scan", {**scan(screening.desk_a, code, id_number=world.resident_c.id_number), "confirm_visitor": True})
    assert confirmed.status_code == 201 and confirmed.json()["data"]["visitor"] is True

    bad_tube = post(client, "/desk/scan", scan(screening.desk_a, "12AB", resident=world.resident_b.pk))
    assert bad_tube.status_code == 422 and bad_tube.json()["code"] == "bad_barcode"
    other_desk = post(client, "/desk/scan", scan(screening.desk_b, tube_code(), resident=world.resident_b.pk))
    assert other_desk.status_code == 404
    assert Sample.objects.count() == 2


def test_scan_into_a_sealed_tube_is_refused(screening, login, world):
    client = login(screening.sampler_a)
    code = tube_code()
    post(client, "/desk/scan", scan(screening.desk_a, code, resident=world.resident_a.pk))
    post(client, "/desk/batch", {"items": [{"client_id": str(uuid.uuid4()), "kind": "seal", "desk": screening.desk_a.pk, "tube": code}]})
    response = post(client, "/desk/scan", scan(screening.desk_a, code, resident=world.resident_b.pk))
    assert response.status_code == 409 and response.json()["code"] == "tube_sealed"
    tube_check = client.get(f"{API}/desks/{screening.desk_a.pk}/tubes/{code}")
    assert tube_check.status_code == 409


def test_desk_lookup_takes_the_value_in_a_post_body_never_in_the_url(screening, login, world):
    """Issue 8 hole 2: GET …/lookup?q=<ID number> wrote the number into the access log."""
    client = login(screening.sampler_a)
    url = f"{API}/desks/{screening.desk_a.pk}/lookup"
    assert client.get(url, {"q": world.resident_a.id_number}).status_code == 405
    found = client.post(url, {"q": world.resident_a.id_number}, content_type="application/json")
    assert found.status_code == 200 and found.json()["people"][0]["resident_id"] == world.resident_a.pk
    assert client.post(url, {"q": ""}, content_type="application/json").status_code == 422


def test_desk_lookup_by_id_name_pinyin_pass_and_tube(screening, login, world):
    from frontline.screening import passes

    client = login(screening.sampler_a)
    url = f"{API}/desks/{screening.desk_a.pk}/lookup"
    by_id = client.post(url, {"q": world.resident_a.id_number}, content_type="application/json").json()
    assert by_id["kind"] == "person" and by_id["people"][0]["resident_id"] == world.resident_a.pk
    assert by_id["people"][0]["in_scope"] is True and by_id["people"][0]["earlier"] is None
    for q in ("曾小明", "zengxiaoming", "zxm", "cxm"):
        found = client.post(url, {"q": q}, content_type="application/json").json()
        assert found["kind"] == "people" and [p["resident_id"] for p in found["people"]] == [world.resident_a.pk], q
    assert client.post(url, {"q": passes.make(world.resident_b.pk)}, content_type="application/json").json()["people"][0]["resident_id"] == world.resident_b.pk
    outside = client.post(url, {"q": world.resident_c.id_number}, content_type="application/json").json()
    assert outside["people"][0]["in_scope"] is False
    unknown = client.post(url, {"q": make_id_number(seq=4242)}, content_type="application/json").json()
    assert unknown["kind"] == "unknown_id"
    tube = client.post(url, {"q": "hs2022099999"}, content_type="application/json").json()
    assert tube["kind"] == "tube" and tube["tube"]["state"] == "new" and tube["tube"]["capacity"] == 10
    wrong = world.resident_a.id_number[:17] + ("1" if world.resident_a.id_number[17] != "1" else "2")
    bad = client.post(url, {"q": wrong}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "id_check"
    # Name search only covers the round's people: 王五 lives in 小区C.
    assert client.post(url, {"q": "王五"}, content_type="application/json").json()["people"] == []


def test_desks_listed_for_the_sampler(screening, login):
    desks = login(screening.sampler_a).get(f"{API}/desks").json()
    assert {d["id"] for d in desks} == {screening.desk_a.pk, screening.desk_a2.pk}
    assert desks[0]["capacity"] == 10


# --- the lab ------------------------------------------------------------------------------------

def test_lab_sees_its_tubes_without_personal_data(screening, world):
    code, bag = sealed_and_sent(screening, [world.resident_a])
    lab = token_client(screening.lab_user)
    tubes = lab.get(f"{API}/lab/tubes").json()
    assert [t["barcode"] for t in tubes] == [code] and tubes[0]["swabs"] == 1
    text = json.dumps(tubes)
    assert world.resident_a.name not in text and world.resident_a.id_number[-4:] not in text
    assert token_client(screening.other_lab_user).get(f"{API}/lab/tubes").json() == []
    # The lab has no view role: residents' tube details and coverage stay closed to it.
    assert lab.get(f"{API}/tubes/{code}").status_code == 404
    assert lab.get(f"{API}/rounds/{screening.round.pk}/coverage").status_code == 404
    received = lab.post(f"{API}/lab/bags/{bag.barcode}/receive")
    assert received.status_code == 200 and received.json()["status"] == "received"
    assert token_client(screening.other_lab_user).post(f"{API}/lab/bags/{bag.barcode}/receive").status_code == 422


def test_lab_results_by_token_are_idempotent_and_conflicts_flagged(screening, world):
    code, _bag = sealed_and_sent(screening, [world.resident_a])
    lab = token_client(screening.lab_user)
    rows = {"results": [{"barcode": code, "result": "阴性", "tested_at": "2022-01-05 14:30"},
                        {"barcode": "HS1234567890", "result": "negative", "tested_at": "2022-01-05 14:30"},
                        {"barcode": code, "result": "negative", "tested_at": "2022-02-31 14:30"}]}
    first = post(lab, "/lab/results", rows).json()["results"]
    assert [r["status"] for r in first] == ["accepted", "unknown", "error"]
    assert first[2]["row"] == "3" and "2022-02-31" in first[2]["message"]
    again = post(lab, "/lab/results", rows).json()["results"]
    assert [r["status"] for r in again] == ["duplicate", "unknown", "error"]
    conflict = post(lab, "/lab/results", {"results": [{"barcode": code, "result": "positive", "tested_at": "2022-01-05T18:00:00+08:00"}]})
    assert conflict.json()["results"][0]["status"] == "conflict"
    assert Tube.objects.get(barcode=code).result == "negative"
    # The command post reviews it.
    client = Client()
    client.force_login(world.worker_a)
    pending = client.get(f"{API}/conflicts").json()
    assert len(pending) == 1 and pending[0]["accepted_result"] == "negative"
    assert post(client, f"/conflicts/{pending[0]['id']}/review", {"decision": "keep", "note": "实验室确认阴性"}).status_code == 200
    assert Tube.objects.get(barcode=code).result_conflict is False
    assert post(lab, "/lab/results", {"results": []}).status_code == 422


def test_results_need_a_lab_or_import_role(screening, world):
    code, _bag = sealed_and_sent(screening, [world.resident_a])
    response = post(token_client(screening.leader_a), "/lab/results",
                     {"results": [{"barcode": code, "result": "negative", "tested_at": "2022-01-05 14:30"}]})
    assert response.status_code == 404
    assert not LabResult.objects.exists()


def csv_file(rows, name="results.csv", encoding="utf-8-sig"):
    text = "\n".join(",".join(r) for r in rows)
    f = io.BytesIO(text.encode(encoding))
    f.name = name
    return f


def xlsx_file(rows, name="results.xlsx"):
    book = Workbook()
    for r in rows:
        book.active.append(list(r))
    f = io.BytesIO()
    book.save(f)
    f.seek(0)
    f.name = name
    return f


@pytest.mark.parametrize("make", [csv_file, xlsx_file, lambda rows: csv_file(rows, encoding="gb18030")])
def test_result_file_import(screening, world, make):
    import datetime

    code, _bag = sealed_and_sent(screening, [world.resident_a])
    code2, _bag2 = sealed_and_sent(screening, [world.resident_b] if False else screening.people(2))
    rows = [("试管条码", "检测结果", "检测时间"), (code, "阴性", "2022-01-05 14:30"), ("HS7777777777", "阴性", "2022-01-05 14:30"),
            (code2, "阳性", "2022-13-01 10:00"), (code2, "无效", datetime.datetime(2022, 1, 5, 15, 0) if make is xlsx_file else "2022/1/5 15:00")]
    lab = token_client(screening.lab_user)
    summary = lab.post(f"{API}/lab/results/import", {"file": make(rows)}).json()
    assert (summary["rows"], summary["accepted"], summary["unknown"]) == (4, 2, ["HS7777777777"])
    assert summary["errors"] == [{"row": "4", "barcode": code2, "message": summary["errors"][0]["message"]}]
    assert "2022-13-01" in summary["errors"][0]["message"]
    # Re-importing the same file changes nothing.
    again = lab.post(f"{API}/lab/results/import", {"file": make(rows)}).json()
    assert (again["accepted"], again["duplicate"], again["conflict"]) == (0, 2, 0)
    assert LabResult.objects.count() == 2
    # A second file with another result for the same tube: flagged, not overwritten.
    flipped = lab.post(f"{API}/lab/results/import", {"file": make([rows[0], (code, "阳性", "2022-01-06 09:00")])}).json()
    assert flipped["conflict"] == 1 and flipped["conflicts"][0]["barcode"] == code
    assert Tube.objects.get(barcode=code).result == "negative"


def test_result_file_without_the_columns_is_refused(screening):
    lab = token_client(screening.lab_user)
    response = lab.post(f"{API}/lab/results/import", {"file": csv_file([("a", "b"), ("1", "2")])})
    assert response.status_code == 422 and response.json()["code"] == "bad_header"
    response = lab.post(f"{API}/lab/results/import", {"file": csv_file([("a",)], name="x.pdf")})
    assert response.status_code == 422 and response.json()["code"] == "bad_file"


# --- scope --------------------------------------------------------------------------------------

def test_api_scope(screening, login, world):
    sampling.ingest([scan(screening.desk_a, "HS5550000001", resident=world.resident_a.pk)], actor=screening.sampler_a)
    worker_b = login(world.worker_b)
    assert worker_b.get(f"{API}/tubes/HS5550000001").status_code == 404
    assert worker_b.get(f"{API}/rounds/{screening.round.pk}/tubes").json() == []
    assert worker_b.post(f"{API}/desks/{screening.desk_a.pk}/lookup", {"q": "曾"}, content_type="application/json").status_code == 404
    coverage = worker_b.get(f"{API}/rounds/{screening.round.pk}/coverage").json()
    assert [r["area"] for r in coverage["rows"]] == ["小区B"]
    missing = worker_b.get(f"{API}/rounds/{screening.round.pk}/not-sampled").json()
    assert [m["resident_id"] for m in missing] == [world.resident_b.pk]
    assert world.resident_b.phone not in json.dumps(missing)
    worker_a = login(world.worker_a)
    detail = worker_a.get(f"{API}/tubes/HS5550000001").json()
    assert detail["samples"][0]["name"] == "曾*明"
    outsider = login(world.outsider)
    assert outsider.get(f"{API}/rounds/{screening.round.pk}").status_code == 404
    assert outsider.get(f"{API}/rounds").json() == []


def test_create_round_and_status_through_the_api(world, login):
    client = login(world.worker_a)
    payload = {"name": "API轮", "area_ids": [world.compound_a.pk], "starts_at": "2022-01-05T08:00:00+08:00",
               "ends_at": "2022-01-05T20:00:00+08:00", "pooling": "20"}
    created = post(client, "/rounds", payload)
    assert created.status_code == 201 and created.json()["pooling"] == "20"
    assert post(client, "/rounds", {**payload, "area_ids": [world.compound_b.pk]}).status_code == 404
    assert post(client, "/rounds", {**payload, "ends_at": "2022-01-04T20:00:00+08:00"}).status_code == 422
    opened = post(client, f"/rounds/{created.json()['id']}/status", {"status": "open", "reason": "开始采样"})
    assert opened.json()["status"] == "open"


def test_home_task_from_a_phone(screening, login, world):
    worker = login(world.worker_a)
    task = post(worker, "/home-tasks", {"round": screening.round.pk, "resident": world.resident_a.pk, "reason": "bedridden"})
    assert task.status_code == 201
    sampler = login(screening.sampler_a)
    assert [t["id"] for t in sampler.get(f"{API}/home-tasks").json()] == [task.json()["id"]]
    done = post(sampler, f"/home-tasks/{task.json()['id']}/complete", {"tube": tube_code()})
    assert done.status_code == 201 and done.json()["data"]["resident_id"] == world.resident_a.pk
    assert sampler.get(f"{API}/home-tasks").json() == []
