"""Rosters as people use them: Debian's Chromium, the secretary making and publishing a roster,
a cadre's "my shifts" on a 360-px phone, writing and confirming a handover."""

import pytest

from frontline.staffing import services
from frontline.staffing.models import Roster, Shift
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_make_and_publish_a_roster_then_my_shifts_on_a_phone(logged_in_page, live_server, world, staffing):
    page = logged_in_page(staffing.actor)
    page.goto(f"{live_server.url}/staffing/rosters/new/")
    page.select_option("select[name=area]", str(world.community.pk))
    page.fill("input[name=starts_on]", staffing.monday.isoformat())
    page.fill("input[name=days]", "2")
    page.fill("input[name=time_limit]", "3")
    page.click("main button.primary")
    page.wait_for_selector(".roster-grid")
    assert "空岗" not in page.inner_text(".roster-grid")
    page.click("text=发布")
    page.wait_for_selector("text=排班已发布")
    roster = Roster.objects.get()
    assert roster.status == "published"

    member = Shift.objects.filter(roster=roster).first().member
    user = UserFactory(username="cadre_phone")
    services.update_member(member, user=user, actor=staffing.actor)
    page.context.clear_cookies()
    phone = logged_in_page(user)
    phone.goto(f"{live_server.url}/staffing/my/")
    phone.wait_for_selector(".card-list li")
    assert phone.locator(".card-list li").count() == Shift.objects.filter(member=member).count()
    # nothing wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    phone.click(".card-list li >> text=交接班")
    phone.fill("textarea[name=notes]", "夜间平稳")
    phone.fill("textarea[name=new_items]", "出租车司机每晚11点左右回小区")
    phone.click("text=填写交接")
    phone.wait_for_selector("text=交接已填写")
