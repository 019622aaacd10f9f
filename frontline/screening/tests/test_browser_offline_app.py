"""The desk as an installed offline app: opened once online, it reopens from the service
worker's cache with no network, scans into the IndexedDB queue and syncs exactly once."""

import re

import pytest
from playwright.sync_api import expect

from frontline.screening.models import Sample

from .conftest import tube_code
from .test_browser_desk import scanner, wait_synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args, "service_workers": "allow"}


STORED = """async (url) => {
  const cache = await caches.open("frontline-pages");
  return !!(await cache.match(url));
}"""


def wait_stored(page, url):
    """The worker controls nothing on the first visit; it stores the screen when told it opened."""
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.ready.then(() => true)")
    for _ in range(100):
        if page.evaluate(STORED, url):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{url} was not stored by the service worker")


def test_desk_reopens_offline_from_the_cache_and_syncs_once(logged_in_page, live_server, screening):
    person = screening.people(1)[0]
    page = logged_in_page(screening.sampler_a)
    url = f"{live_server.url}/screening/desk/{screening.desk_a.pk}/"
    page.goto(url)
    expect(page.locator("#desk-input")).to_be_focused()
    wait_stored(page, url)

    context = page.context
    context.set_offline(True)
    page.close()
    # Renamed on the server meanwhile: a page from the network would show the new name.
    type(screening.desk_a).objects.filter(pk=screening.desk_a.pk).update(name="改名台")
    page = context.new_page()
    page.goto(url)  # no network: the service worker answers from its cache
    expect(page.locator("#desk-input")).to_be_focused()
    expect(page.locator(".desk-where")).to_contain_text("1号台")
    banner = page.get_by_test_id("offline-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(re.compile(r"^离线自 \d\d:\d\d，0 条待同步$"))

    code = tube_code()
    scanner(page, code)
    expect(page.get_by_test_id("tube")).to_have_text(code)
    scanner(page, person.id_number)
    expect(page.get_by_test_id("slot")).to_have_text("1")
    expect(page.get_by_test_id("pending")).to_have_text("1")
    expect(banner).to_have_text(re.compile(r"^离线自 \d\d:\d\d，1 条待同步$"))
    page.screenshot(path="/tmp/field-offline-banner.png")
    assert Sample.objects.count() == 0

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    expect(banner).to_be_hidden()
    assert list(Sample.objects.values_list("tube__barcode", "slot", "resident_id")) == [(code, 1, person.pk)]
    page.reload()  # online again: the screen comes from the network, the queue stays empty
    expect(page.locator(".desk-where")).to_contain_text("改名台")
    expect(page.get_by_test_id("pending")).to_have_text("0")
    assert Sample.objects.count() == 1


def test_after_an_offline_sync_the_desk_lists_what_the_server_questioned(logged_in_page, live_server, screening):
    from .test_browser_desk import open_desk

    people = screening.people(2)
    page = open_desk(logged_in_page, live_server, screening)
    code = tube_code()
    scanner(page, code)
    expect(page.get_by_test_id("tube")).to_have_text(code)
    page.context.set_offline(True)
    for person in (people[0], people[1], people[0]):  # the first person twice, nobody to ask
        scanner(page, person.id_number)
    expect(page.get_by_test_id("slot")).to_have_text("3")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    review = page.get_by_test_id("review")
    expect(review).to_be_visible()
    items = review.locator("li")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("本轮已采过")
    expect(items.first).to_contain_text(f"{code} #3")
    expect(items.first).to_contain_text(f"首次：{code} #1")
    assert people[0].id_number not in page.content()
    page.screenshot(path="/tmp/field-review-list.png", full_page=True)
    items.first.locator("button[data-action=undo]").click()
    expect(review).to_be_hidden()
    expect(page.get_by_test_id("slot")).to_have_text("2")  # the slot is free again
    questioned = Sample.objects.get(slot=3)
    assert questioned.voided_at is not None and "本轮已采过" in questioned.void_reason
    assert questioned.reviewed_by == screening.sampler_a
    # Reloaded: nothing left to look at.
    page.reload()
    expect(page.get_by_test_id("slot")).to_have_text("2")
    page.wait_for_timeout(500)
    expect(review).to_be_hidden()
