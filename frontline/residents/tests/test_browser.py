"""A community worker on a 360-px phone: find a resident by pinyin initials, open them and their
household, reveal an ID number; no page scrolls sideways."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def assert_no_horizontal_scroll(page):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide in a {widths[1]} px window"


def test_search_by_initials_and_open_the_resident(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    assert page.viewport_size["width"] == 360
    page.fill("input[name=q]", "zxm")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/residents/\?search=[\w-]+$"))  # the text stays out of the URL
    assert "zxm" not in page.url
    expect(page.locator("#result-count")).to_contain_text("1")
    page.get_by_role("link", name="曾小明").click()
    page.wait_for_url(re.compile(rf"/residents/{world.resident_a.pk}/$"))
    expect(page.locator("h1")).to_contain_text("曾小明")
    expect(page.locator("#reveal-id_number")).to_contain_text(world.resident_a.id_number_masked)
    assert world.resident_a.id_number not in page.content()
    assert_no_horizontal_scroll(page)


def test_reveal_swaps_in_the_full_number(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    page.goto(f"{live_server.url}/residents/{world.resident_a.pk}/")
    page.locator("#reveal-id_number input[name=reason]").fill("核对采样登记")
    page.locator("#reveal-id_number button").click()
    expect(page.locator("#reveal-id_number")).to_contain_text(world.resident_a.id_number)
    expect(page.locator("#reveal-id_number")).to_contain_text("本次查看已记录")
    # htmx replaced only the value: the phone stays masked on the same page.
    expect(page.locator("#reveal-phone")).to_contain_text("139****0001")
    from frontline.core.models import AuditEntry

    assert AuditEntry.objects.get(action="reveal").reason == "核对采样登记"


def test_open_a_household_from_the_list(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    page.goto(f"{live_server.url}/residents/households/")
    page.get_by_role("link", name=re.compile("101")).first.click()
    page.wait_for_url(re.compile(rf"/residents/households/{world.household_a.pk}/$"))
    expect(page.locator("#members")).to_contain_text("曾小明")
    expect(page.locator("#members")).to_contain_text("139****0001")
    assert_no_horizontal_scroll(page)


def test_add_a_resident_with_a_wrong_check_digit_then_fix_it(logged_in_page, live_server, world):
    from tests.factories import make_id_number

    good = make_id_number(seq=77)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page = logged_in_page(world.worker_a)
    page.goto(f"{live_server.url}/residents/households/{world.household_a.pk}/new-resident/")
    page.fill("input[name=name]", "赵六")
    page.fill("input[name=id_number]", bad)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".has-error")).to_contain_text("校验位错误")
    assert_no_horizontal_scroll(page)
    page.fill("input[name=id_number]", good)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_contain_text("赵六")


@pytest.mark.parametrize("path", [
    "/", "/areas/", "/residents/", "/residents/households/", "/accounts/",
    "/residents/{resident}/", "/residents/households/{household}/", "/residents/{resident}/edit/",
    "/areas/{compound}/", "/residents/?q=zxm&status=present",
])
def test_main_pages_fit_a_360_px_phone(logged_in_page, live_server, world, path):
    page = logged_in_page(world.street_officer)
    url = path.format(resident=world.resident_a.pk, household=world.household_a.pk, compound=world.compound_a.pk)
    response = page.goto(live_server.url + url)
    assert response.status == 200
    assert_no_horizontal_scroll(page)
