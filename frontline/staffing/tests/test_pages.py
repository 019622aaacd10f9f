import datetime

import pytest
from django.utils import timezone
from icalendar import Calendar

from frontline.staffing import services
from frontline.staffing.models import Shift

pytestmark = pytest.mark.django_db


def test_pages_render_for_the_secretary(client, staffing):
    roster = staffing.roster(days=2)
    services.generate(roster, actor=staffing.actor)
    client.force_login(staffing.actor)
    for url in ["/staffing/", "/staffing/units/", f"/staffing/units/{staffing.unit.pk}/", "/staffing/members/",
                f"/staffing/members/{staffing.members[0].pk}/", "/staffing/posts/", f"/staffing/posts/{staffing.post.pk}/",
                "/staffing/rosters/", f"/staffing/rosters/{roster.pk}/", "/staffing/rosters/new/", "/staffing/my/",
                f"/staffing/shifts/{Shift.objects.filter(roster=roster).first().pk}/"]:
        assert client.get(url).status_code == 200, url


def test_outside_the_areas_is_404(client, staffing, world):
    client.force_login(world.worker_b)  # compound B: the post is in compound A, the people in the community
    assert client.get(f"/staffing/posts/{staffing.post.pk}/").status_code == 404
    assert client.get(f"/staffing/members/{staffing.members[0].pk}/").status_code == 404


def test_make_and_publish_a_roster_through_the_pages(client, staffing):
    client.force_login(staffing.actor)
    response = client.post("/staffing/rosters/new/", {
        "area": staffing.world.community.pk, "starts_on": staffing.monday.isoformat(), "days": 3,
        "max_night_shifts": 3, "time_limit": 3})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"]).content.decode()
    assert "干部" in page and "class=\"hole\"" not in page
    roster_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/staffing/rosters/{roster_id}/publish/").status_code == 302
    assert Shift.objects.filter(roster_id=roster_id, roster__status="published").count() == 9


def test_check_in_twice_shows_the_message(client, staffing, world):
    client.force_login(world.admin)
    member = staffing.members[0]
    response = client.post(f"/staffing/members/{member.pk}/", {
        "in-community": world.other_community.pk, "in-received_by": "邻社区书记"}, follow=True)
    assert "already checked in at 八一西街社区" in response.content.decode()


def test_my_shifts_and_the_calendar_feed(client, staffing):
    from tests.factories import UserFactory

    user = UserFactory(username="cadre_1")
    member = staffing.members[0]
    services.update_member(member, user=user, actor=staffing.actor)
    roster = staffing.roster(days=3)
    services.generate(roster, actor=staffing.actor)
    services.publish(roster, actor=staffing.actor)
    mine = Shift.objects.filter(member=member).count()
    assert mine > 0
    client.force_login(user)
    page = client.get("/staffing/my/").content.decode()
    assert page.count("小区A东门") >= mine
    client.post("/staffing/my/calendar/")
    member.refresh_from_db()
    token = member.calendar_token
    client.logout()
    feed = client.get(f"/staffing/calendar/{token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == mine
    assert all(e.start.tzinfo is not None for e in events)
    client.force_login(user)
    client.post("/staffing/my/calendar/", {"revoke": "1"})
    client.logout()
    assert client.get(f"/staffing/calendar/{token}.ics").status_code == 404


def test_edit_shows_violations_and_needs_a_reason(client, staffing):
    roster = staffing.roster(days=1)
    services.generate(roster, actor=staffing.actor)
    a, b = Shift.objects.filter(roster=roster).order_by("starts_at")[:2]
    client.force_login(staffing.actor)
    page = client.get(f"/staffing/shifts/{b.pk}/?member={a.member_id}").content.decode()
    assert "another shift that day" in page
    response = client.post(f"/staffing/shifts/{b.pk}/", {"member": a.member_id})
    assert response.status_code == 200 and "give a reason" in response.content.decode()
    response = client.post(f"/staffing/shifts/{b.pk}/", {"member": a.member_id, "reason": "本人要求"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.member_id == a.member_id


def test_api_roster_round_trip(client, staffing):
    client.force_login(staffing.actor)
    response = client.post("/api/v1/staffing/rosters", {"area_id": staffing.world.community.pk,
                                                        "starts_on": staffing.monday.isoformat(), "days": 2,
                                                        "time_limit": 3}, content_type="application/json")
    assert response.status_code == 201, response.content
    roster_id = response.json()["id"]
    assert client.post(f"/api/v1/staffing/rosters/{roster_id}/generate").json()["solver_status"] in ("optimal", "feasible")
    problem = client.get(f"/api/v1/staffing/rosters/{roster_id}/problem").json()
    assert len(problem["slots"]) == 6 and sum(len(v) for v in problem["assignments"].values()) == 6
    members = client.get("/api/v1/staffing/members").json()
    assert members[0]["phone"] in ("", ) or "*" in members[0]["phone"]
    past = (timezone.localdate() - datetime.timedelta(days=3)).isoformat()
    response = client.post("/api/v1/staffing/rosters", {"area_id": staffing.world.community.pk, "starts_on": past},
                           content_type="application/json")
    assert response.status_code == 422 and "past" in response.json()["message"]


def test_overview_shows_who_is_on_duty_now_and_roster_hours_per_unit(client, staffing):
    roster = services.create_roster(area=staffing.world.community, starts_on=timezone.localdate(), days=1,
                                    time_limit=3, actor=staffing.actor)
    services.generate(roster, actor=staffing.actor)
    services.publish(roster, actor=staffing.actor)
    now = timezone.now()
    current = Shift.objects.get(roster=roster, starts_at__lte=now, ends_at__gt=now)
    client.force_login(staffing.actor)
    page = client.get("/staffing/").content.decode()
    assert f"小区A东门 · {timezone.localtime(current.starts_at):%H:%M}" in page and current.member.name in page
    page = client.get(f"/staffing/rosters/{roster.pk}/").content.decode()
    assert "市市场监管局: 24.0 h" in page
    # The solver's answer and its goals in the page's language, not their internal names.
    assert "fairness" not in page and "same_post" not in page
    assert "人员与单位间工时均衡" in page or "fair hours across people and units" in page


def test_roster_for_the_wall_as_xlsx(client, staffing):
    import io

    from openpyxl import load_workbook

    roster = staffing.roster(days=2)
    services.generate(roster, actor=staffing.actor)
    client.force_login(staffing.actor)
    response = client.get(f"/staffing/rosters/{roster.pk}/xlsx/")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A3"].value == "小区A东门"
    names = {s.member.name for s in Shift.objects.filter(roster=roster, date=staffing.monday)}
    assert all(name in sheet["B3"].value for name in names)
