"""The gate screen as the staff use it: Debian's Chromium on a 360-px phone."""

import datetime

import pytest
from django.utils import timezone, translation

from frontline.checkpoints import services
from frontline.checkpoints.models import Passage
from frontline.checkpoints.policy import rule_label

pytestmark = pytest.mark.browser


def _label(rule):
    with translation.override("zh-hans"):
        return rule_label(rule)


@pytest.fixture
def screen(logged_in_page, live_server, world, gate_a):
    def _open(user=None):
        page = logged_in_page(user or world.volunteer_a)
        page.goto(f"{live_server.url}/checkpoints/gates/{gate_a.pk}/")
        page.wait_for_function(f"localStorage.getItem('frontline-gate-state-{gate_a.pk}') !== null")
        return page

    return _open


def test_gate_screen_identifies_a_resident_by_typed_id_and_lets_them_out(screen, world):
    page = screen()
    page.fill("#scan", world.resident_a.id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    assert page.inner_text("#person-name") == "曾*明"
    assert world.resident_a.id_number not in page.content()
    page.click("#record")
    page.wait_for_selector("#recent li[data-decision=allowed]")
    passage = Passage.objects.get()
    assert (passage.decision, passage.rule, passage.resident_id, passage.decided_offline) == (
        "allowed", "normal", world.resident_a.pk, False)
    assert passage.staff == world.volunteer_a


def test_gate_screen_refuses_exit_from_a_sealed_area_with_the_rule(screen, world):
    services.set_policy(area=world.compound_a, mode="sealed", reason="封控通告", actor=world.admin,
                        effective_from=timezone.now() - datetime.timedelta(minutes=5))
    page = screen()
    page.fill("#scan", world.resident_a.id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=refused]")
    assert page.inner_text("#decision-rule") == _label("sealed")
    page.press("#scan", "Enter")  # a second Enter on the same input records the refusal
    page.wait_for_selector("#recent li[data-decision=refused]")
    assert Passage.objects.get().rule == "sealed"


def test_bad_check_digit_and_typing_error_temperature_are_explained(screen, world):
    page = screen()
    number = world.resident_a.id_number
    page.fill("#scan", number[:17] + ("0" if number[17] != "0" else "1"))
    page.press("#scan", "Enter")
    page.wait_for_selector("#message[data-kind=error]")
    assert number[17] in page.inner_text("#message")
    page.click("input[name=direction][value=in] + span")
    page.fill("#temperature", "373")
    page.fill("#scan", number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#message[data-kind=error]")
    assert "373" in page.inner_text("#message")
    assert Passage.objects.count() == 0


def test_unknown_person_gets_the_visitor_form(screen, world):
    page = screen()
    page.fill("#scan", "不认识的人")
    page.press("#scan", "Enter")
    page.wait_for_selector("#visitor-form:not([hidden])")
    page.fill("#visitor-name", "快递小哥")
    page.click("input[name=visitor_kind][value=delivery] + span")
    page.click("#visitor-form button[type=submit]")
    page.wait_for_selector("#recent li")
    assert Passage.objects.get().visitor.name == "快递小哥"


def test_offline_passage_is_decided_from_the_snapshot_and_synced_once(screen, world, page):
    page = screen()
    page.context.set_offline(True)
    page.fill("#scan", world.resident_a.id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    assert page.is_visible("#decision-offline")
    page.click("#record")
    page.wait_for_selector("#pending:not([hidden])")
    assert Passage.objects.count() == 0
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#recent li[data-state=synced]", timeout=15000)
    passage = Passage.objects.get()
    assert passage.decided_offline and passage.decision == "allowed" and passage.client_time is not None
    # Replaying the same queued item (a lost reply) stores nothing new.
    item = {"client_id": str(passage.client_id), "gate_id": passage.gate_id, "direction": "out",
            "value": world.resident_a.id_number, "offline": {"decision": "allowed", "rule": "normal"}}
    status = page.evaluate("""async (item) => {
        const r = await fetch('/api/v1/checkpoints/batch', {method: 'POST', credentials: 'same-origin',
          headers: {'Content-Type': 'application/json',
                    'X-CSRFToken': JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']},
          body: JSON.stringify({items: [item]})});
        return (await r.json()).results[0].status;
    }""", item)
    assert status == "duplicate"
    assert Passage.objects.count() == 1


def test_offline_quota_decisions_come_from_the_last_synced_state(screen, world, gate_a, policy_on, family_a):
    """Controlled, two people per two days: the wife went out online earlier; offline, the gate
    still knows one place is taken, lets the son take the last one, and refuses the father."""
    policy_on(world.compound_a, "controlled", n=2, d=2)
    services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out",
                            value=family_a["wife"].id_number)
    page = screen()
    page.context.set_offline(True)
    page.fill("#scan", family_a["son"].id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=allowed]")
    assert page.inner_text("#decision-rule") == _label("quota")
    page.click("#record")
    page.wait_for_selector("#recent li[data-decision=allowed]")
    page.fill("#scan", family_a["head"].id_number)
    page.press("#scan", "Enter")
    page.wait_for_selector("#decision[data-decision=refused]")
    assert page.inner_text("#decision-rule") == _label("quota_exhausted")
    assert page.is_visible("#decision-offline")
    page.press("#scan", "Enter")
    page.wait_for_selector("#recent li[data-decision=refused]")
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.querySelectorAll('#recent li[data-state=synced]').length === 2", timeout=15000)
    son, head = Passage.objects.filter(decided_offline=True).order_by("at")
    assert (son.rule, son.decision, son.needs_review) == ("quota", "allowed", False)
    assert (head.rule, head.decision, head.needs_review) == ("quota_exhausted", "refused", False)
