"""An error page on a 360-px phone: in Chinese, inside the site's frame, and "返回上一页" goes back."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_a_404_on_a_phone_has_the_navigation_and_a_way_back(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    page.goto(f"{live_server.url}/residents/")
    page.goto(f"{live_server.url}/residents/999999999/")
    expect(page.locator(".error-page h1")).to_have_text("未找到")
    expect(page.locator(".mainnav")).to_be_visible()
    page.screenshot(path="/tmp/field-error-404.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # nothing wider than the phone
    page.get_by_role("button", name="返回上一页").click()
    page.wait_for_url(f"{live_server.url}/residents/")
