"""The gate as an installed offline app: opened once online, it reopens from the service
worker's cache with no network, decides from its stored snapshot and syncs the passage once."""

import re

import pytest
from playwright.sync_api import expect

from frontline.checkpoints.models import Gate, Passage
from frontline.screening.tests.test_browser_offline_app import wait_stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gate_reopens_offline_from_the_cache_and_syncs_once(logged_in_page, live_server, world, gate_a):
    page = logged_in_page(world.volunteer_a)
    url = f"{live_server.url}/checkpoints/gates/{gate_a.pk}/"
    page.goto(url)
    page.wait_for_function(f"localStorage.getItem('frontline-gate-state-{gate_a.pk}') !== null")
    wait_stored(page, url)

    context = page.context
    context.set_offline(True)
    page.close()
    Gate.objects.filter(pk=gate_a.pk).update(name="改名门")  # the network's page would say so
    page = context.new_page()
    page.goto(url)
    expect(page.locator(".gate-status b")).not_to_contain_text("改名门")
    banner = page.get_by_test_id("offline-banner")
    expect(banner).to_have_text(re.compile(r"^离线自 \d\d:\d\d，0 条待同步$"))
    page.fill("#scan", world.resident_a.id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    page.click("#record")
    expect(banner).to_have_text(re.compile(r"^离线自 \d\d:\d\d，1 条待同步$"))
    assert Passage.objects.count() == 0

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#recent li[data-state=synced]", timeout=15000)
    expect(banner).to_be_hidden()
    passage = Passage.objects.get()
    assert passage.decided_offline and passage.resident_id == world.resident_a.pk
