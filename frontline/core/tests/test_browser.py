"""Log in on a phone, land on the dashboard in Chinese, switch to English."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_login_on_a_phone_lands_on_the_dashboard(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    assert page.url == f"{live_server.url}/"
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".stats")).to_contain_text("在住居民")


def test_switch_language_to_english(logged_in_page, live_server, world):
    page = logged_in_page(world.worker_a)
    page.select_option("select[name=language]", "en")
    expect(page.locator("h1")).to_have_text("Dashboard")
    page.goto(f"{live_server.url}/residents/")
    expect(page.locator("h1")).to_have_text("Residents")
    page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("h1")).to_have_text("居民")


def test_wrong_password_five_times_locks_with_a_clear_message(page, live_server, world):
    from django.core.cache import cache

    from tests.factories import PASSWORD

    cache.clear()
    try:
        for password in ["a", "b", "c", "d", "e", PASSWORD]:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "worker_a")
            page.fill("input[name=password]", password)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        expect(page.locator("main")).to_contain_text("登录失败次数过多")
        assert page.url.startswith(f"{live_server.url}/accounts/login/")
    finally:
        cache.clear()
