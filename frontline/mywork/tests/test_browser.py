"""我的待办 on a 360-px phone: the badge in the navigation, one tap acknowledges, the badge drops;
resolve with a reason from the same card."""

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("FRONTLINE_SCREENSHOTS", "")


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_acknowledge_on_a_phone_drops_the_badge(logged_in_page, live_server, world):
    from .helpers import alert

    alert(world.unit_a, "HS20220001", kind="screening.positive_pool", minutes_ago=3)
    alert(world.unit_a, "HS20220002", minutes_ago=10)
    alert(world.unit_a, "HS20220003", minutes_ago=20)
    page = logged_in_page(world.worker_a)
    badge = page.locator("[data-work-badge]")
    expect(badge).to_have_text("3")
    # The dashboard's alerts panel is the same inbox.
    expect(page.locator(".work-panel [data-work-item]")).to_have_count(3)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "dashboard-mywork-360.png"), full_page=True)
    badge.click()
    expect(page.locator("h1")).to_contain_text("我的待办")
    cards = page.locator("[data-work-item]")
    expect(cards).to_have_count(3)
    expect(cards.first).to_contain_text("混管阳性")
    # Nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "mywork-360.png"), full_page=True)
    cards.first.locator("[data-ack]").click()  # htmx: the card is replaced in place, the badge swapped
    expect(page.locator("[data-work-badge]")).to_have_text("2")
    expect(cards.first.locator(".status")).to_have_text("已知悉")
    expect(cards.first.locator("[data-ack]")).to_have_count(0)
    page.reload()  # and it holds on the server
    expect(page.locator("[data-work-badge]")).to_have_text("2")
    expect(page.locator("[data-work-item]").first.locator("[data-ack]")).to_have_count(0)
    # Resolve the second one with a reason, in the card itself.
    second = page.locator("[data-work-item]").nth(1)
    second.locator("summary").click()
    second.locator("textarea[name=reason]").fill("已电话复核，结果一致")
    second.locator("form button[type=submit]").last.click()
    expect(page.locator("[data-work-item]")).to_have_count(2)
    expect(page.locator(".messages")).to_contain_text("已办结")
    expect(page.locator("[data-work-badge]")).to_have_text("1")
    # The last one acknowledged: the badge is gone, the item stays until it is resolved.
    page.locator("[data-work-item]").nth(1).locator("[data-ack]").click()
    expect(page.locator("[data-work-badge]")).to_be_hidden()
    expect(page.locator("[data-work-item]")).to_have_count(2)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "mywork-360-after.png"), full_page=True)
