"""The area tree on a phone: nodes open in place (htmx) down to the units."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args}


def test_drill_down_the_tree(logged_in_page, live_server, world):
    page = logged_in_page(world.street_officer)
    page.goto(f"{live_server.url}/areas/")
    # The officer's one root (the street) is open already; its children came with the page.
    expect(page.locator(f"#area-{world.street.pk} > details")).to_have_attribute("open", "")
    community = page.locator(f"#area-{world.community.pk}")
    expect(community).to_be_visible()
    expect(page.locator(f"#area-{world.other_community.pk}")).to_be_visible()
    community.locator("> details > summary").click()
    compound = page.locator(f"#area-{world.compound_a.pk}")
    expect(compound).to_contain_text("1 户")
    compound.get_by_role("link", name="小区A").click()
    page.wait_for_url(re.compile(rf"/areas/{world.compound_a.pk}/$"))
    expect(page.locator(".crumbs")).to_contain_text("八一西街社区")
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]
