"""The sampling desk in Debian's Chromium, driven the way a volunteer drives it: a keyboard-wedge
scanner types a barcode or an ID number and presses Enter."""

import re

import pytest
from playwright.sync_api import expect

from frontline.screening.models import Sample, Tube

from .conftest import tube_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    """A 360-px phone with a Chinese browser: the desk as a volunteer holds it."""
    return {**browser_context_args, **phone_context_args}


def scanner(page, text):
    """A keyboard-wedge scanner: the characters, then Enter."""
    box = page.locator("#desk-input")
    box.press_sequentially(text, delay=0)
    box.press("Enter")


def open_desk(logged_in_page, live_server, screening):
    page = logged_in_page(screening.sampler_a)
    page.goto(f"{live_server.url}/screening/desk/{screening.desk_a.pk}/")
    expect(page.locator("#desk-input")).to_be_focused()
    return page


def wait_synced(page):
    expect(page.get_by_test_id("pending")).to_have_text("0", timeout=20_000)


def test_desk_registers_a_full_tube_by_keyboard(logged_in_page, live_server, screening):
    people = screening.people(10)
    page = open_desk(logged_in_page, live_server, screening)
    code = tube_code()
    scanner(page, code.lower())
    expect(page.get_by_test_id("tube")).to_have_text(code)
    expect(page.get_by_test_id("slot")).to_have_text("0")
    for n, person in enumerate(people, start=1):
        scanner(page, person.id_number)
        if n < 10:
            expect(page.get_by_test_id("slot")).to_have_text(str(n))
    # Full: the tube seals itself and the screen asks for the next one.
    expect(page.locator("#desk-panel")).to_have_class(re.compile("desk-no-tube"))
    expect(page.get_by_test_id("message")).to_contain_text(code)
    expect(page.get_by_test_id("last-name")).to_have_text("居***9")
    wait_synced(page)
    tube = Tube.objects.get(barcode=code)
    assert (tube.used, tube.status) == (10, Tube.Status.SEALED)
    assert list(Sample.objects.filter(tube=tube).order_by("slot").values_list("resident_id", flat=True)) == [p.pk for p in people]
    # Scanning into the sealed tube is refused on screen.
    scanner(page, code)
    expect(page.get_by_test_id("message")).to_have_class(re.compile("desk-error"))
    expect(page.get_by_test_id("tube")).to_have_text("—")


def test_desk_warns_and_guides_on_bad_scans(logged_in_page, live_server, screening, world):
    page = open_desk(logged_in_page, live_server, screening)
    scanner(page, world.resident_a.id_number)
    expect(page.get_by_test_id("message")).to_have_class(re.compile("desk-error"))  # no tube yet
    code = tube_code()
    scanner(page, code)
    expect(page.get_by_test_id("tube")).to_have_text(code)
    good = world.resident_a.id_number
    wrong = good[:17] + ("1" if good[17] != "1" else "2")
    scanner(page, wrong)
    expect(page.get_by_test_id("message")).to_contain_text("姓名")
    # By name (pinyin initials): one candidate, Enter registers.
    scanner(page, "zxm")
    expect(page.locator(".desk-candidate")).to_have_count(1)
    page.locator("#desk-input").press("Enter")
    expect(page.get_by_test_id("slot")).to_have_text("1")
    # The same person again: warned with where and when, not added.
    scanner(page, good)
    expect(page.locator("#desk-confirm")).to_be_visible()
    expect(page.locator("#desk-confirm-text")).to_contain_text("A区广场")
    page.locator("#desk-confirm-no").click()
    expect(page.get_by_test_id("slot")).to_have_text("1")
    # Someone from 小区C: warned, registered as a visitor when confirmed.
    scanner(page, world.resident_c.id_number)
    expect(page.locator("#desk-confirm")).to_be_visible()
    page.locator("#desk-confirm-yes").click()
    expect(page.get_by_test_id("slot")).to_have_text("2")
    # Undo the last scan.
    page.locator("#desk-undo").click()
    expect(page.get_by_test_id("slot")).to_have_text("1")
    wait_synced(page)
    assert list(Sample.objects.filter(tube__barcode=code, voided_at__isnull=True).values_list("resident_id", flat=True)) == [world.resident_a.pk]
    assert Sample.objects.filter(tube__barcode=code, voided_at__isnull=False).count() == 1


def test_offline_mid_tube_25_people_sync_exactly_once(logged_in_page, live_server, screening):
    people = screening.people(28)
    desk_page = open_desk(logged_in_page, live_server, screening)
    tubes = [tube_code(), tube_code(), tube_code()]
    scanner(desk_page, tubes[0])
    expect(desk_page.get_by_test_id("tube")).to_have_text(tubes[0])
    for n, person in enumerate(people[:3], start=1):
        scanner(desk_page, person.id_number)
        expect(desk_page.get_by_test_id("slot")).to_have_text(str(n))
    wait_synced(desk_page)

    desk_page.context.set_offline(True)
    expected = []  # (tube, slot, resident) as the desk counts them
    slot, tube_index = 3, 0
    for person in people[3:]:
        if slot == 10:
            tube_index += 1
            slot = 0
            scanner(desk_page, tubes[tube_index])
            expect(desk_page.get_by_test_id("tube")).to_have_text(tubes[tube_index])
        scanner(desk_page, person.id_number)
        slot += 1
        expected.append((tubes[tube_index], slot, person.pk))
        if slot < 10:
            expect(desk_page.get_by_test_id("slot")).to_have_text(str(slot))
    expect(desk_page.get_by_test_id("pending")).to_have_text("25")
    assert Sample.objects.count() == 3  # nothing reached the server while offline

    desk_page.context.set_offline(False)
    wait_synced(desk_page)
    stored = list(Sample.objects.filter(voided_at__isnull=True).values_list("tube__barcode", "slot", "resident_id"))
    assert len(stored) == 28
    assert sorted(r for _t, _s, r in stored) == sorted(p.pk for p in people)  # everyone exactly once
    assert set(expected) <= set(stored)
    assert [(t.barcode, t.used, t.status) for t in Tube.objects.order_by("barcode")] == [
        (tubes[0], 10, "sealed"), (tubes[1], 10, "sealed"), (tubes[2], 8, "open")]
