"""The gate's lists name people masked, before and after an offline sync (issue 8, hole 3).

The old screen wrote "14:31 ⇥ 140821198301150014 · 放行 · 已同步" after a typed ID number went
through offline: the list line showed what was typed."""

import pytest

from frontline.checkpoints.models import Passage

pytestmark = pytest.mark.browser


@pytest.fixture
def screen(logged_in_page, live_server, world, gate_a):
    def _open(user=None):
        page = logged_in_page(user or world.volunteer_a)
        page.goto(f"{live_server.url}/checkpoints/gates/{gate_a.pk}/")
        page.wait_for_function(f"localStorage.getItem('frontline-gate-state-{gate_a.pk}') !== null")
        return page

    return _open


def test_recent_list_shows_the_masked_name_before_and_after_an_offline_sync(screen, world):
    number = world.resident_a.id_number
    page = screen()
    page.context.set_offline(True)
    page.fill("#scan", number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    page.click("#record")
    page.wait_for_selector("#recent li[data-decision=allowed]")
    before = page.inner_text("#recent")
    assert "曾*明" in before and number not in before and number[-4:] not in before
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#recent li[data-state=synced]", timeout=15000)
    after = page.inner_text("#recent")
    assert "曾*明" in after and number not in after
    assert number not in page.inner_text("body")
    assert Passage.objects.get().resident == world.resident_a


def test_recent_list_masks_a_visitor_typed_in_full(screen, world):
    page = screen()
    page.fill("#scan", "不认识的人")
    page.press("#scan", "Enter")
    page.wait_for_selector("#visitor-form:not([hidden])")
    page.fill("#visitor-name", "王小二")
    page.click("input[name=visitor_kind][value=delivery] + span")
    page.click("#visitor-form button[type=submit]")
    page.wait_for_selector("#recent li")
    line = page.inner_text("#recent")
    assert "王*二" in line and "王小二" not in line
