"""The isolation ledger on a phone, in Chinese: a fever on top, a missing check-in highlighted,
a check-in typed as 373 refused and then recorded."""

import pytest
from playwright.sync_api import expect

from frontline.isolation import services
from tests.factories import household, resident

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_ledger_and_checkin_on_a_phone(logged_in_page, live_server, world, case_a):
    other = services.open_case(resident=resident(household(world.unit_a, "102"), "赵六"), reason="returnee", actor=world.worker_a)
    services.record_checkin(case_a, temperature="38.1", actor=world.worker_a)
    page = logged_in_page(world.worker_a)
    page.goto(f"{live_server.url}/isolation/")
    expect(page.locator("h1")).to_have_text("隔离人员台账")
    rows = page.locator("[data-testid=iso-case]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_class("iso-fever")
    expect(rows.nth(0)).to_contain_text("曾小明")
    expect(rows.nth(1)).to_have_class("iso-missing")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    rows.nth(1).locator("a.iso-name").click()
    page.fill("input[name=temperature]", "373")
    page.click("form[action$='/checkin/'] button[type=submit]")
    expect(page.locator("body")).to_contain_text("可能输错了")
    page.fill("input[name=temperature]", "36.6")
    page.click("main form button[type=submit]")
    expect(page.locator("body")).to_contain_text("已登记健康报告")
    page.goto(f"{live_server.url}/isolation/")
    expect(page.locator("[data-testid=iso-case]").nth(1)).to_contain_text("已报告")
    assert other.checkins.count() == 1
