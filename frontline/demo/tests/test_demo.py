"""The demo as a newcomer meets it: built once for the module (on SQLite or PostgreSQL, whichever
the run uses), then opened page by page with the logins the demo prints."""

import io

import pytest
from django.db import transaction
from django.test import override_settings

from frontline.accounts.models import User
from frontline.checkpoints.models import Gate, Passage, VehiclePassage
from frontline.demo.build import build_demo
from frontline.screening.models import Bag, Desk, HomeTask, LabResult, RetestItem, Round, Sample, Tube

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, built once; rolled back when the module is done, so other tests never see it."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        out = io.StringIO()
        result = build_demo(stdout=out)
        yield result
        transaction.set_rollback(True)


def _counts():
    return {model.__name__: model.objects.count()
            for model in (Round, Desk, Tube, Sample, Bag, LabResult, RetestItem, HomeTask, Gate, Passage, VehiclePassage)}


def _login(client, username):
    client.force_login(User.objects.get(username=username))
    return client


def _open_round(community):
    return Round.objects.get(areas__name=community, status=Round.Status.OPEN)


def test_demo_has_screening_and_gate_data(demo, db):
    counts = _counts()
    assert counts["Round"] == 4 and counts["Sample"] > 1000 and counts["Passage"] > 20
    assert Tube.objects.filter(result=Tube.Result.INVALID).exists()
    assert Tube.objects.filter(result=Tube.Result.POSITIVE).count() == 2
    assert LabResult.objects.conflicts().count() == 2
    assert Bag.objects.filter(status=Bag.Status.RECEIVED).exists() and Bag.objects.filter(status=Bag.Status.OPEN).exists()
    # Services wrote the change log, as in the field.
    from frontline.core.models import AuditEntry

    assert AuditEntry.objects.filter(model="screening.tube").exists()
    assert AuditEntry.objects.filter(model="checkpoints.passage", reason__startswith="override").exists()
    places = {(what, username) for what, _url, username in demo["places"]}
    assert ("gate live view", "wangtao") in places
    assert any(what.startswith("sampling desk") and user == "volunteer" for what, user in places)


def test_second_run_adds_nothing(demo, db):
    before = _counts()
    again = build_demo()
    assert again["created"] is False
    assert _counts() == before
    assert again["places"] == demo["places"]


def test_volunteer_sees_their_desk_with_a_round_in_progress(demo, client):
    _login(client, "volunteer")
    index = client.get("/screening/")
    assert index.status_code == 200
    mine = [d for d in index.context["desks"] if d.pk in index.context["my_desks"]]
    assert mine, "the volunteer is assigned to a desk"
    desk_url = dict((w, u) for w, u, _n in demo["places"])["sampling desk (绿地香树花城社区)"]
    assert desk_url == f"/screening/desk/{mine[0].pk}/"
    page = client.get(desk_url)
    assert page.status_code == 200
    assert page.context["round_open"] is True
    assert page.context["round"].name in page.content.decode()


def test_secretary_coverage_shows_sampled_people(demo, client):
    round_obj = _open_round("绿地香树花城社区")
    page = _login(client, "secretary").get(f"/screening/rounds/{round_obj.pk}/coverage/")
    assert page.status_code == 200
    totals = page.context["totals"]
    assert totals["sampled"] > 1000 and totals["missing"] > 0 and totals["exempted"] > 0
    # The round covers one community: the page opens on its compounds.
    assert page.context["area"].name == "绿地香树花城社区"
    assert [(row.area.name, row.sampled > 0) for row in page.context["rows"]] == [
        ("香树花城一期", True), ("香树花城二期", True), ("香树花城三期", False)]
    compound = page.context["rows"][0].area
    drill = client.get(f"/screening/rounds/{round_obj.pk}/coverage/?area={compound.pk}")
    assert drill.context["rows"] and all(row.area.kind == "building" for row in drill.context["rows"])
    assert sum(row.sampled for row in drill.context["rows"]) == page.context["rows"][0].sampled


@pytest.mark.parametrize("which", ["worklist", "bags", "tubes", "home_tasks", "retests", "conflicts"])
def test_round_work_pages_show_something(demo, client, which):
    round_obj = _open_round("八一西街社区")
    _login(client, "wangtao")
    community = round_obj.areas.get()
    url = {
        "worklist": f"/screening/rounds/{round_obj.pk}/worklist/{community.pk}/",
        "bags": f"/screening/rounds/{round_obj.pk}/bags/",
        "tubes": f"/screening/rounds/{round_obj.pk}/tubes/",
        "home_tasks": f"/screening/rounds/{round_obj.pk}/home-tasks/",
        "retests": "/screening/retests/",
        "conflicts": "/screening/results/conflicts/",
    }[which]
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    expected = {
        "worklist": ["试管无效，需重采", "已安排上门采样"],  # why each is still on the door-knock list
        "bags": ["BAG"],
        "tubes": ["YC"],
        "home_tasks": ["YC"],  # the done ones name their tube
        "retests": ["YC"],
        "conflicts": ["YC"],
    }[which]
    for snippet in expected:
        assert snippet in text


def test_invalid_tube_puts_its_people_back_on_the_worklist(demo, client):
    round_obj = _open_round("八一西街社区")
    invalid = Tube.objects.get(round=round_obj, result=Tube.Result.INVALID)
    community = round_obj.areas.get()
    client = _login(client, "wangtao")
    index = client.get(f"/screening/rounds/{round_obj.pk}/worklist/{community.pk}/").context["index"]
    listed = set()
    for building, _count, _reasons in index:  # the community's page is an index: open each building
        page = client.get(f"/screening/rounds/{round_obj.pk}/worklist/{building.pk}/")
        listed |= {r.pk for _building, rows in page.context["groups"] for r in rows}
    people = set(invalid.samples.values_list("resident_id", flat=True))
    assert people and people <= listed


def test_gate_staff_live_view_and_statistics_have_passages(demo, client):
    gate_url = dict((w, u) for w, u, _n in demo["places"])["gate live view"]
    _login(client, "wangtao")
    live = client.get(gate_url)
    assert live.status_code == 200
    assert live.context["out_households"], "the dialysis patient is out"
    assert live.context["recent"] or live.context["refusals"]
    screen = client.get(gate_url.replace("live/", ""))
    assert screen.status_code == 200
    stats = client.get("/checkpoints/stats/")
    assert stats.status_code == 200
    totals = stats.context["totals"]
    assert totals["in"] > 0 and totals["out"] > 0 and totals["refused"] > 0 and totals["overrides"] == 1
    assert totals["vehicles"] > 0 and totals["visitors"] > 0 and totals["fevers"] > 0


def test_the_demo_acts_as_system_demo_or_as_its_logins(demo, db):
    """What no demo login did is recorded under the demo's system actor, never as nobody."""
    from frontline.core.models import AuditEntry

    names = set(AuditEntry.objects.values_list("actor_name", flat=True).distinct())
    assert "system:demo" in names
    assert AuditEntry.objects.filter(actor_name="system:demo", model="areas.area").exists()
    assert not names & {"", "system"}
    assert AuditEntry.objects.filter(actor__isnull=True).exclude(actor_name__startswith="system:").count() == 0


def test_isolation_ledger_has_a_fever_first_a_transfer_and_a_missed_checkin(demo, client):
    from frontline.isolation.models import IsolationCase

    cases = IsolationCase.objects.all()
    assert cases.filter(status="active").count() >= 11 and cases.filter(status="transferred").count() >= 1
    client.force_login(User.objects.get(username="worker"))
    page = client.get("/isolation/").content.decode()
    assert page.count('data-testid="iso-case"') >= 12
    first = page[page.index('data-testid="iso-case"'):]
    assert "iso-fever" in page[:page.index('data-testid="iso-case"')] or "fever" in first[:400]
    assert "iso-missing" in page
