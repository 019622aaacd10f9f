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


def test_after_an_offline_sync_the_gate_lists_what_the_server_would_have_refused(logged_in_page, live_server, world, gate_a):
    import datetime

    from django.utils import timezone

    from frontline.checkpoints import services

    page = logged_in_page(world.volunteer_a)
    page.goto(f"{live_server.url}/checkpoints/gates/{gate_a.pk}/")
    page.wait_for_function(f"localStorage.getItem('frontline-gate-state-{gate_a.pk}') !== null")
    page.context.set_offline(True)
    # Sealed on the server meanwhile; the gate's snapshot does not know yet.
    services.set_policy(area=world.compound_a, mode="sealed", reason="封控通告", actor=world.admin,
                        effective_from=timezone.now() - datetime.timedelta(minutes=1))
    page.fill("#scan", world.resident_a.id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    page.click("#record")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    review = page.get_by_test_id("gate-review")
    expect(review).to_be_visible(timeout=15000)
    expect(review.locator("li")).to_have_count(1)
    expect(review.locator("li").first).to_contain_text("曾*明")
    page.screenshot(path="/tmp/field-gate-review.png", full_page=True)
    review.get_by_role("button", name="已查看").click()
    expect(review).to_be_hidden()
    passage = Passage.objects.get()
    assert passage.needs_review and passage.reviewed_by == world.volunteer_a
