"""The ledger, the case page and its forms; the API under /api/v1/isolation/."""

import uuid

from django.test import Client

from frontline.isolation import services
from frontline.isolation.models import CheckIn, IsolationCase
from tests.apiclient import send
from tests.factories import household, resident

from .conftest import swab


def _second_case(world, room="102", name="赵六"):
    return services.open_case(resident=resident(household(world.unit_a, room), name), reason="returnee", actor=world.worker_a)


def test_ledger_puts_a_fever_first_and_highlights_a_missing_checkin(world, login, case_a):
    other = _second_case(world)
    services.record_checkin(other, temperature="36.5", actor=world.worker_a)
    services.record_checkin(case_a, temperature="38.2", actor=world.worker_a)
    third = _second_case(world, "103", "孙七")
    page = login(world.worker_a).get("/isolation/").content.decode()
    assert page.index("曾小明") < page.index("孙七") < page.index("赵六")
    assert "iso-fever" in page and "iso-missing" in page
    assert "2 of 3 checked in today" in page
    assert third.resident.name in page


def test_ledger_and_case_are_scoped(world, login, case_a):
    client = login(world.worker_b)
    assert "曾小明" not in client.get("/isolation/").content.decode()
    assert client.get(f"/isolation/cases/{case_a.pk}/").status_code == 404
    assert client.post(f"/isolation/cases/{case_a.pk}/checkin/", {"temperature": "36.5"}).status_code == 404


def test_case_page_and_forms(world, login, case_a, site_a):
    client = login(world.worker_a)
    page = client.get(f"/isolation/cases/{case_a.pk}/").content.decode()
    assert "糖尿病" in page and "密接 of case 12" in page
    r = client.post(f"/isolation/cases/{case_a.pk}/checkin/", {"temperature": "373"})
    assert r.status_code == 200 and "typing error" in r.content.decode() and not CheckIn.objects.exists()
    client.post(f"/isolation/cases/{case_a.pk}/checkin/", {"temperature": "36.6", "symptoms": ["cough"], "antigen": "negative"})
    assert CheckIn.objects.get().symptoms == ["cough"]
    r = client.post(f"/isolation/cases/{case_a.pk}/extend/", {"planned_end": "2099-01-01T10:00", "reason": ""})
    assert r.status_code == 200 and IsolationCase.objects.get().planned_end.year != 2099
    r = client.post(f"/isolation/cases/{case_a.pk}/release/", {"reason": ""})
    assert r.status_code == 200 and "No negative result" in r.content.decode()
    r = client.post(f"/isolation/cases/{case_a.pk}/transfer/", {"site": site_a.pk, "vehicle": "豫A12345", "escort": world.worker_a.pk})
    assert r.status_code == 302 and IsolationCase.objects.get().status == "transferred"
    assert "隔离酒店" in client.get(f"/isolation/cases/{case_a.pk}/").content.decode()
    assert "1 / 1" in client.get("/isolation/sites/").content.decode()


def test_new_case_form(world, login):
    client = login(world.worker_a)
    r = client.post("/isolation/cases/new/", {"resident": world.resident_a.pk, "kind": "home", "reason": "parcel",
                                              "source_text": "快递外包装阳性", "days": 7})
    case = IsolationCase.objects.get()
    assert r.status_code == 302 and r.url == f"/isolation/cases/{case.pk}/" and case.reason == "parcel"
    # Another compound's resident is not a choice.
    r = client.post("/isolation/cases/new/", {"resident": world.resident_b.pk, "kind": "home", "reason": "parcel", "days": 7})
    assert r.status_code == 200 and IsolationCase.objects.count() == 1


def test_api_cases_checkins_release_transfer(world, login, case_a, site_a):
    client = login(world.worker_a)
    r = send(client, "get", "/isolation/cases")
    assert r.status_code == 200 and r.json()[0]["resident"]["name"] != "曾小明" and r.json()[0]["checked_in_today"] is False
    assert send(client, "get", f"/isolation/cases/{case_a.pk}").json()["days_remaining"] == 11
    other = Client()
    other.force_login(world.worker_b)
    assert send(other, "get", f"/isolation/cases/{case_a.pk}").status_code == 404
    bad = send(client, "post", f"/isolation/cases/{case_a.pk}/checkins", {"temperature": "3.73"})
    assert bad.status_code == 422
    cid = str(uuid.uuid4())
    first = send(client, "post", f"/isolation/cases/{case_a.pk}/checkins", {"temperature": "36.7", "client_id": cid})
    again = send(client, "post", f"/isolation/cases/{case_a.pk}/checkins", {"temperature": "36.7", "client_id": cid})
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    assert CheckIn.objects.count() == 1
    refused = send(client, "post", f"/isolation/cases/{case_a.pk}/release", {})
    assert refused.status_code == 422
    move = send(client, "post", f"/isolation/cases/{case_a.pk}/transfer", {"site_id": site_a.pk, "vehicle": "豫A1"})
    assert move.status_code == 201
    full = send(client, "post", "/isolation/cases", {"resident_id": world.resident_a.pk, "reason": "other"})
    assert full.status_code == 422  # already open
    swab(world, world.resident_a, "negative")
    assert send(client, "post", f"/isolation/cases/{case_a.pk}/release", {}).json()["status"] == "released"
    created = send(client, "post", "/isolation/cases", {"resident_id": world.resident_a.pk, "reason": "returnee", "days": 7})
    assert created.status_code == 201 and created.json()["days_remaining"] == 7
    assert send(client, "post", "/isolation/cases", {"resident_id": world.resident_b.pk, "reason": "returnee"}).status_code == 404


def test_fever_puts_home_sampling_one_tap_away(world, login, case_a):
    import datetime

    from django.utils import timezone

    from frontline.screening.models import HomeTask, Round

    client = login(world.worker_a)
    assert "iso-home-sampling" not in client.get(f"/isolation/cases/{case_a.pk}/").content.decode()
    services.record_checkin(case_a, temperature="38.4", actor=world.worker_a)
    assert "iso-home-sampling" in client.get(f"/isolation/cases/{case_a.pk}/").content.decode()
    r = client.post(f"/isolation/cases/{case_a.pk}/home-sampling/", follow=True)
    assert "No testing round is open" in r.content.decode() and not HomeTask.objects.exists()
    now = timezone.now()
    rnd = Round.objects.create(name="全员核酸第3轮", starts_at=now - datetime.timedelta(hours=1),
                               ends_at=now + datetime.timedelta(hours=8), status="open")
    rnd.areas.set([world.community])
    client.post(f"/isolation/cases/{case_a.pk}/home-sampling/")
    client.post(f"/isolation/cases/{case_a.pk}/home-sampling/")
    task = HomeTask.objects.get()
    assert task.resident == world.resident_a and task.reason == "isolated" and task.round == rnd


def test_case_page_lists_household_members_isolated_together(world, login, case_a):
    from tests.factories import make_id_number

    wife = resident(world.household_a, "刘芳", relation="spouse", id_number=make_id_number(seq=8101))
    services.open_case(resident=wife, reason="secondary_contact", actor=world.worker_a)
    page = login(world.worker_a).get(f"/isolation/cases/{case_a.pk}/").content.decode()
    assert "Isolated together" in page and "刘芳" in page


def test_indicator_followed_up_every_day(world, case_a):
    import datetime

    from django.utils import timezone

    from frontline.isolation.ledger import indicators

    other = _second_case(world)
    # case_a started 3 days ago: a check-in on each of the three completed days; the other none.
    today = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    for d in (1, 2, 3):
        at = max(today - datetime.timedelta(days=d), case_a.start + datetime.timedelta(minutes=1))
        services.record_checkin(case_a, temperature="36.5", at=at, actor=world.worker_a)
    # Started today: nothing owed yet. Started two days ago without check-ins: not followed up.
    services.open_case(resident=resident(household(world.unit_a, "104"), "周八"), reason="returnee",
                       start=timezone.now() - datetime.timedelta(days=2), actor=world.worker_a)
    stats = indicators(world.worker_a)
    assert stats["total"] == 3 and stats["every_day"] == 2 and stats["every_day_share"] == 67
    services.record_checkin(other, temperature="36.5", actor=world.worker_a)
    assert indicators(world.worker_a)["checked"] == 1
