"""The residents and households API with the named actors: scope, roles, masking, reveal, lookup."""

import datetime

import pytest

from frontline.core import idnumber
from frontline.core.models import AuditEntry
from frontline.residents import services
from frontline.residents.models import Household, Resident
from tests.apiclient import send, token_client
from tests.factories import SYSTEM, make_id_number

pytestmark = pytest.mark.django_db


def ids(response):
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def wrong_check_digit(number: str) -> str:
    good = number[-1]
    return number[:-1] + ("0" if good != "0" else "1")


# --- residents: list and filters ----------------------------------------------------------------

def test_list_shows_only_residents_in_scope(world):
    assert ids(send(token_client(world.worker_a), "get", "/residents")) == [world.resident_a.pk]
    assert ids(send(token_client(world.worker_b), "get", "/residents")) == [world.resident_b.pk]
    assert ids(send(token_client(world.outsider), "get", "/residents")) == []
    everyone = {world.resident_a.pk, world.resident_b.pk, world.resident_c.pk}
    assert set(ids(send(token_client(world.street_officer), "get", "/residents"))) == everyone


def test_list_masks_personal_data(world):
    body = send(token_client(world.street_officer), "get", "/residents").content.decode()
    for r in (world.resident_a, world.resident_b, world.resident_c):
        assert r.id_number not in body and r.phone not in body
        assert r.birth_date.isoformat() not in body
    item = send(token_client(world.worker_a), "get", "/residents").json()["items"][0]
    assert item["id_number_masked"] == idnumber.mask(world.resident_a.id_number)
    assert item["phone_masked"] == "139****0001"


def test_list_filters_by_area_subtree(world):
    client = token_client(world.street_officer)
    assert ids(send(client, "get", f"/residents?area={world.compound_a.pk}")) == [world.resident_a.pk]
    assert set(ids(send(client, "get", f"/residents?area={world.community.pk}"))) == {world.resident_a.pk, world.resident_b.pk}


def test_list_filter_by_an_area_out_of_scope_is_404(world):
    assert send(token_client(world.worker_a), "get", f"/residents?area={world.compound_b.pk}").status_code == 404


def test_list_filters_by_tag_status_sex_and_age(world):
    a = world.resident_a
    services.update_resident(a, tags=[{"tag": "chronic", "date": "2026-12-01", "detail": "透析"}], actor=SYSTEM)
    client = token_client(world.street_officer)
    assert ids(send(client, "get", "/residents?tag=chronic")) == [a.pk]
    assert ids(send(client, "get", "/residents?tag=pregnant")) == []
    services.update_resident(world.resident_b, status="away", reason="外出务工", actor=SYSTEM)
    assert ids(send(client, "get", "/residents?status=away")) == [world.resident_b.pk]
    expected_sex = [r.pk for r in (world.resident_a, world.resident_b, world.resident_c) if r.sex == a.sex]
    assert ids(send(client, "get", f"/residents?sex={a.sex}")) == expected_sex
    age = a.age()
    assert a.pk in ids(send(client, "get", f"/residents?age_min={age}&age_max={age}"))
    assert a.pk not in ids(send(client, "get", f"/residents?age_min={age + 1}"))
    assert a.pk not in ids(send(client, "get", f"/residents?age_max={age - 1}"))


def test_age_filter_counts_birthdays_exactly(world):
    today = datetime.date.today()
    born = today.replace(year=today.year - 60)
    r = services.create_resident(household=world.household_a, name="寿星", id_number=make_id_number(birth=born, seq=7), actor=SYSTEM)
    client = token_client(world.worker_a)
    assert r.pk in ids(send(client, "get", "/residents?age_min=60&age_max=60"))
    assert r.pk not in ids(send(client, "get", "/residents?age_max=59"))


@pytest.mark.parametrize("query", ["曾小明", "曾", "zengxiaoming", "zxm", "cxm", "ZXM", "0001", "13912340001"])
def test_search_by_name_pinyin_initials_and_phone(world, query):
    assert ids(send(token_client(world.worker_a), "get", f"/residents?q={query}")) == [world.resident_a.pk]


def test_search_by_id_number_is_exact_and_scoped(world):
    number = world.resident_a.id_number
    assert ids(send(token_client(world.worker_a), "get", f"/residents?q={number}")) == [world.resident_a.pk]
    assert ids(send(token_client(world.worker_b), "get", f"/residents?q={number}")) == []


def test_pages_follow_the_ledger_order_across_areas(world):
    for i, household in enumerate((world.household_c, world.household_a, world.household_b) * 2):
        services.create_resident(household=household, name=f"住户{i}", id_number=make_id_number(seq=300 + i, area="610104"), actor=SYSTEM)
    client = token_client(world.street_officer)
    page = send(client, "get", "/residents?limit=2").json()
    seen = [i["id"] for i in page["items"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [i["id"] for i in page["items"]]
    expected = Resident.objects.order_by("household__area__path", "household_id", "id").values_list("pk", flat=True)
    assert seen == list(expected)


def test_a_malformed_cursor_is_422(world):
    response = send(token_client(world.worker_a), "get", "/residents?cursor=12")
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "cursor"


def test_list_pages_with_a_next_link_and_optional_count(world):
    for i in range(5):
        services.create_resident(household=world.household_a, name=f"居民{i}", id_number=make_id_number(seq=100 + i, area="610104"), actor=SYSTEM)
    client = token_client(world.worker_a)
    first = send(client, "get", "/residents?limit=4&count=true").json()
    assert first["count"] == 6 and len(first["items"]) == 4 and first["next_cursor"]
    second = client.get(first["next"]).json()
    assert second["next"] is None and second["count"] is None
    all_ids = [i["id"] for i in first["items"] + second["items"]]
    assert all_ids == sorted(Resident.objects.restrict(world.worker_a).values_list("pk", flat=True))


# --- residents: detail, history ------------------------------------------------------------------

def test_detail_masks_and_shows_tags_household_and_history(world):
    services.update_resident(world.resident_a, tags=[{"tag": "pregnant", "date": "2027-03-01"}], actor=SYSTEM)
    response = send(token_client(world.worker_a), "get", f"/residents/{world.resident_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert world.resident_a.id_number not in response.content.decode()
    assert world.resident_a.phone not in response.content.decode()
    [tag] = body["tags_detail"]
    assert (tag["tag"], tag["date"], tag["detail"]) == ("pregnant", "2027-03-01", "")
    assert body["household"]["id"] == world.household_a.pk and body["address"].endswith("1单元 101")
    assert [e["action"] for e in body["history"]] == ["update", "create"]
    assert body["may_reveal"] is True and body["may_delete"] is False


@pytest.mark.parametrize("suffix", ["", "/history"])
def test_detail_out_of_scope_is_404(world, suffix):
    for user in (world.worker_b, world.outsider):
        response = send(token_client(user), "get", f"/residents/{world.resident_a.pk}{suffix}")
        assert response.status_code == 404


def test_history_redacts_personal_fields_and_birth_date(world):
    services.update_resident(world.resident_a, phone="13800000000", actor=SYSTEM)
    response = send(token_client(world.worker_a), "get", f"/residents/{world.resident_a.pk}/history")
    text = response.content.decode()
    assert "13800000000" not in text and world.resident_a.id_number not in text
    assert world.resident_a.birth_date.isoformat() not in text
    assert response.json()["items"][0]["changes"]["phone"] == ["***", "***"]


# --- residents: lookup -----------------------------------------------------------------------------

def test_lookup_by_id_number(world):
    number = world.resident_a.id_number
    client = token_client(world.worker_a)
    response = send(client, "post", "/residents/lookup", {"id_number": number.lower()})
    assert response.status_code == 200 and response.json()["id"] == world.resident_a.pk
    assert send(client, "post", "/residents/lookup", {"id_number": f"{number[:6]} {number[6:]}"}).status_code == 200


def test_lookup_never_takes_the_number_in_the_url(world):
    """Issue 8 hole 2: an ID number in a query string ends up in the access log."""
    client = token_client(world.worker_a)
    response = send(client, "get", f"/residents/lookup?id_number={world.resident_a.id_number}")
    assert response.status_code in (405, 422) and world.resident_a.name not in response.content.decode()


def test_lookup_out_of_scope_is_404(world):
    response = send(token_client(world.worker_a), "post", "/residents/lookup", {"id_number": world.resident_b.id_number})
    assert response.status_code == 404


def test_lookup_with_a_wrong_check_digit_says_so(world):
    bad = wrong_check_digit(world.resident_a.id_number)
    response = send(token_client(world.worker_a), "post", "/residents/lookup", {"id_number": bad})
    assert response.status_code == 422
    detail = response.json()["details"][0]
    assert detail == {"field": "id_number", "rule": "check", "message": detail["message"]}
    assert world.resident_a.id_number[-1] in detail["message"]


# --- residents: create -------------------------------------------------------------------------------

def new_resident(world, **extra):
    return {"household_id": world.household_a.pk, "name": "张三", "id_number": make_id_number(seq=4242),
            "phone": "13700001111", "relation": "child", "tags": [{"tag": "infant"}], **extra}


def test_worker_creates_a_resident(world):
    response = send(token_client(world.worker_a), "post", "/residents", new_resident(world))
    assert response.status_code == 201
    body = response.json()
    assert body["phone_masked"] == "137****1111" and body["tags"] == ["infant"]
    r = Resident.objects.get(pk=body["id"])
    assert r.phone == "13700001111" and r.sex in ("M", "F")
    entry = AuditEntry.objects.get(model="residents.resident", object_id=str(r.pk))
    assert entry.source == "api" and entry.actor == world.worker_a


def test_create_in_a_household_out_of_scope_is_404(world):
    response = send(token_client(world.worker_a), "post", "/residents", new_resident(world, household_id=world.household_b.pk))
    assert response.status_code == 404
    assert not Resident.objects.filter(name="张三").exists()


def test_create_with_a_view_only_role_is_403(world):
    response = send(token_client(world.volunteer_a), "post", "/residents", new_resident(world))
    assert response.status_code == 403
    assert not Resident.objects.filter(name="张三").exists()


@pytest.mark.parametrize("number,rule,words", [
    ("wrong-check", "check", "check digit"),
    ("610103199913450012", "date", "birth date"),
    ("6101031990", "format", "18 characters"),
    ("6.10103E+17", "format", "Excel"),
])
def test_create_with_a_bad_id_number_names_the_rule(world, settings, number, rule, words):
    settings.LANGUAGE_CODE = "en"
    if number == "wrong-check":
        number = wrong_check_digit(make_id_number(seq=99))
    response = send(token_client(world.worker_a), "post", "/residents", new_resident(world, id_number=number),
                    headers={"Accept-Language": "en"})
    assert response.status_code == 422
    body = response.json()
    assert body["details"][0]["field"] == "id_number" and body["details"][0]["rule"] == rule
    assert words in body["message"] and "id_number" in body["message"]
    assert not Resident.objects.filter(name="张三").exists()


def test_create_with_a_bad_phone_names_the_field(world):
    response = send(token_client(world.worker_a), "post", "/residents", new_resident(world, phone="12345"))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "phone"


def test_create_with_an_id_number_already_in_the_ledger_is_409(world):
    response = send(token_client(world.worker_a), "post", "/residents",
                    new_resident(world, id_number=world.resident_b.id_number))
    assert response.status_code == 409
    assert Resident.objects.by_id_number(world.resident_b.id_number).count() == 1


def test_create_without_an_id_number_takes_sex_and_birth_date(world):
    response = send(token_client(world.worker_a), "post", "/residents",
                    new_resident(world, id_number="", sex="F", birth_date="2025-02-01"))
    assert response.status_code == 201
    r = Resident.objects.get(pk=response.json()["id"])
    assert r.sex == "F" and r.birth_date == datetime.date(2025, 2, 1) and r.id_number == ""


def test_create_with_a_future_birth_date_is_422(world):
    response = send(token_client(world.worker_a), "post", "/residents",
                    new_resident(world, id_number="", birth_date="2999-01-01"))
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "birth_date"


def test_create_with_an_unknown_tag_is_422(world):
    response = send(token_client(world.worker_a), "post", "/residents", new_resident(world, tags=[{"tag": "vip"}]))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"].startswith("tags")


# --- residents: update --------------------------------------------------------------------------------

def test_update_fields_and_tags(world):
    response = send(token_client(world.worker_a), "patch", f"/residents/{world.resident_a.pk}",
                    {"notes": "需送药", "tags": [{"tag": "chronic", "date": "2026-12-24", "detail": "透析"}]})
    assert response.status_code == 200
    assert response.json()["tags_detail"][0]["detail"] == "透析"
    assert world.resident_a.tags.get().date == datetime.date(2026, 12, 24)


def test_status_change_needs_a_reason(world):
    client = token_client(world.worker_a)
    response = send(client, "patch", f"/residents/{world.resident_a.pk}", {"status": "deceased"})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "reason"
    world.resident_a.refresh_from_db()
    assert world.resident_a.status == "present"
    response = send(client, "patch", f"/residents/{world.resident_a.pk}", {"status": "away", "reason": "返乡"})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(model="residents.resident", object_id=str(world.resident_a.pk)).first()
    assert entry.reason == "返乡" and entry.actor_name == "worker_a"


def test_update_out_of_scope_is_404_and_view_only_is_403(world):
    assert send(token_client(world.worker_b), "patch", f"/residents/{world.resident_a.pk}", {"notes": "x"}).status_code == 404
    assert send(token_client(world.volunteer_a), "patch", f"/residents/{world.resident_a.pk}", {"notes": "x"}).status_code == 403
    world.resident_a.refresh_from_db()
    assert world.resident_a.notes == ""


def test_moving_a_resident_out_of_reach_is_404(world):
    response = send(token_client(world.worker_a), "patch", f"/residents/{world.resident_a.pk}",
                    {"household_id": world.household_b.pk})
    assert response.status_code == 404
    world.resident_a.refresh_from_db()
    assert world.resident_a.household == world.household_a


def test_street_officer_moves_a_resident(world):
    response = send(token_client(world.street_officer), "patch", f"/residents/{world.resident_a.pk}",
                    {"household_id": world.household_b.pk})
    assert response.status_code == 200 and response.json()["household"]["id"] == world.household_b.pk


def test_update_with_a_bad_id_number_keeps_the_old_one(world):
    old = world.resident_a.id_number
    response = send(token_client(world.worker_a), "patch", f"/residents/{world.resident_a.pk}",
                    {"id_number": wrong_check_digit(old)})
    assert response.status_code == 422 and response.json()["details"][0]["rule"] == "check"
    world.resident_a.refresh_from_db()
    assert world.resident_a.id_number == old


# --- residents: delete, reveal ---------------------------------------------------------------------------

def test_delete_needs_the_delete_action_and_a_reason(world):
    pk = world.resident_a.pk
    assert send(token_client(world.worker_a), "delete", f"/residents/{pk}?reason=重复").status_code == 403
    assert send(token_client(world.worker_b), "delete", f"/residents/{pk}?reason=重复").status_code == 404
    officer = token_client(world.street_officer)
    response = send(officer, "delete", f"/residents/{pk}")
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "reason"
    assert send(officer, "delete", f"/residents/{pk}?reason=重复录入").status_code == 204
    assert not Resident.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.get(model="residents.resident", object_id=str(pk), action="delete").reason == "重复录入"


def test_reveal_returns_the_plaintext_and_writes_an_audit_row(world):
    response = send(token_client(world.worker_a), "post", f"/residents/{world.resident_a.pk}/reveal",
                    {"field": "id_number", "reason": "核对身份"})
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": world.resident_a.id_number}
    entry = AuditEntry.objects.get(action="reveal", object_id=str(world.resident_a.pk))
    assert entry.actor == world.worker_a and entry.reason == "核对身份" and entry.changes == {"field": "id_number"}


def test_reveal_without_the_permission_is_403_and_out_of_scope_404(world):
    body = {"field": "phone", "reason": "联系"}
    assert send(token_client(world.volunteer_a), "post", f"/residents/{world.resident_a.pk}/reveal", body).status_code == 403
    assert send(token_client(world.worker_b), "post", f"/residents/{world.resident_a.pk}/reveal", body).status_code == 404
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_reveal_needs_a_known_field_and_a_reason(world):
    client = token_client(world.worker_a)
    url = f"/residents/{world.resident_a.pk}/reveal"
    assert send(client, "post", url, {"field": "name", "reason": "x"}).status_code == 422
    assert send(client, "post", url, {"field": "phone", "reason": " "}).status_code == 422
    assert not AuditEntry.objects.filter(action="reveal").exists()


# --- households ------------------------------------------------------------------------------------------

def test_household_list_is_scoped_and_filtered(world):
    assert ids(send(token_client(world.worker_a), "get", "/households")) == [world.household_a.pk]
    officer = token_client(world.street_officer)
    assert ids(send(officer, "get", f"/households?area={world.compound_b.pk}")) == [world.household_b.pk]
    assert ids(send(officer, "get", "/households?q=30")) == [world.household_c.pk]
    assert send(token_client(world.worker_a), "get", f"/households?area={world.compound_b.pk}").status_code == 404


def test_household_detail_lists_residents_masked(world):
    response = send(token_client(world.worker_a), "get", f"/households/{world.household_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["residents"]] == ["曾小明"]
    assert world.resident_a.id_number not in response.content.decode()
    assert send(token_client(world.worker_b), "get", f"/households/{world.household_a.pk}").status_code == 404
    assert send(token_client(world.worker_a), "get", f"/households/{world.household_a.pk}/history").status_code == 200
    assert send(token_client(world.worker_b), "get", f"/households/{world.household_a.pk}/history").status_code == 404


def test_household_create_update_delete(world):
    worker, officer = token_client(world.worker_a), token_client(world.street_officer)
    response = send(worker, "post", "/households", {"area_id": world.unit_a.pk, "room": "102", "floor": 1})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert send(worker, "patch", f"/households/{pk}", {"room": "103"}).json()["room"] == "103"
    assert send(worker, "delete", f"/households/{pk}").status_code == 403
    assert send(officer, "delete", f"/households/{pk}").status_code == 204
    assert not Household.objects.filter(pk=pk).exists()


def test_household_wrong_role_scope_and_state(world):
    body = {"area_id": world.unit_a.pk, "room": "102"}
    assert send(token_client(world.volunteer_a), "post", "/households", body).status_code == 403
    assert send(token_client(world.worker_b), "post", "/households", body).status_code == 404
    assert send(token_client(world.worker_a), "post", "/households", {**body, "room": "101"}).status_code == 409
    response = send(token_client(world.worker_a), "post", "/households", {**body, "area_id": world.street.pk})
    assert response.status_code == 404
    response = send(token_client(world.street_officer), "post", "/households", {**body, "area_id": world.community.pk})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "area"
    assert send(token_client(world.street_officer), "delete", f"/households/{world.household_a.pk}").status_code == 409
    assert send(token_client(world.worker_b), "patch", f"/households/{world.household_a.pk}", {"room": "9"}).status_code == 404
    assert send(token_client(world.volunteer_a), "patch", f"/households/{world.household_a.pk}", {"room": "9"}).status_code == 403


def test_household_move_out_of_reach_is_404(world):
    response = send(token_client(world.worker_a), "patch", f"/households/{world.household_a.pk}",
                    {"area_id": world.unit_b.pk})
    assert response.status_code == 404
    world.household_a.refresh_from_db()
    assert world.household_a.area == world.unit_a


# --- authentication --------------------------------------------------------------------------------------

def test_no_credentials_is_401(client, world):
    r, h = world.resident_a.pk, world.household_a.pk
    for method, path in [("get", "/residents"), ("get", f"/residents/{r}"), ("post", "/residents"),
                         ("patch", f"/residents/{r}"), ("delete", f"/residents/{r}?reason=x"),
                         ("post", f"/residents/{r}/reveal"), ("post", "/residents/lookup"),
                         ("get", "/households"), ("get", f"/households/{h}"), ("post", "/households"),
                         ("patch", f"/households/{h}"), ("delete", f"/households/{h}")]:
        response = send(client, method, path, {} if method in ("post", "patch") else None)
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize("counted", ["", "&count=true"])  # a window of members, or all of them
@pytest.mark.parametrize("sparse", [0, 3000])
def test_tag_and_name_filters_give_the_same_rows_whichever_way_they_are_joined(world, monkeypatch, sparse, counted):
    from frontline.residents import api as residents_api

    monkeypatch.setattr(residents_api, "SPARSE", sparse)
    services.update_resident(world.resident_a, tags=["disabled"], actor=SYSTEM)
    services.update_resident(world.resident_c, tags=["disabled", "hardship"], actor=SYSTEM)
    client = token_client(world.street_officer)
    assert ids(send(client, "get", f"/residents?tag=disabled{counted}")) == [world.resident_a.pk, world.resident_c.pk]
    assert ids(send(client, "get", f"/residents?q=cxm{counted}")) == [world.resident_a.pk]
    assert ids(send(client, "get", f"/residents?q=李{counted}")) == [world.resident_b.pk]
    assert ids(send(token_client(world.worker_b), "get", f"/residents?tag=disabled{counted}")) == []
