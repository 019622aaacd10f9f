"""The gate decision as the staff meets it: identify → policy → record."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.checkpoints import services, tokens
from frontline.checkpoints.models import (
    ErrandRequest,
    HouseholdQuota,
    Passage,
    ResidentPresence,
    VenueScan,
    Visitor,
)
from frontline.core import validity
from frontline.core.models import AuditEntry
from frontline.isolation import services as isolation_services

from .helpers import inward, out

pytestmark = pytest.mark.django_db


def test_resident_identified_by_typed_id_number_goes_out_under_normal_policy(world, gate_a):
    result = out(gate_a, world.volunteer_a, world.resident_a.id_number)
    p = result.passage
    assert result.created and p.decision == "allowed" and p.rule == "normal"
    assert p.resident == world.resident_a and p.household == world.household_a and p.method == "id_number"
    assert p.staff == world.volunteer_a
    assert ResidentPresence.objects.get(resident=world.resident_a).is_out
    assert VenueScan.objects.filter(resident=world.resident_a, source="gate").count() == 1


def test_identification_by_phone_name_pinyin_and_resident_qr(world, gate_a):
    assert out(gate_a, world.volunteer_a, "139 1234 0001").passage.method == "phone"
    assert out(gate_a, world.volunteer_a, "曾小明").passage.resident == world.resident_a
    assert out(gate_a, world.volunteer_a, "cxm").passage.resident == world.resident_a  # 曾 read as ceng
    p = out(gate_a, world.volunteer_a, tokens.resident_token(world.resident_a)).passage
    assert p.method == "resident_qr" and p.resident == world.resident_a


def test_sealed_area_refuses_exit_and_says_why(world, gate_a, policy_on):
    policy_on(world.compound_a, "sealed")
    p = out(gate_a, world.volunteer_a, world.resident_a.id_number).passage
    assert p.decision == "refused" and p.rule == "sealed" and "sealed" in p.reason


def test_a_deeper_area_policy_wins(world, gate_a, policy_on):
    policy_on(world.community, "normal")
    policy_on(world.building_a, "sealed")
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "sealed"


def test_policy_outside_its_dates_does_not_apply(world, gate_a, policy_on):
    policy_on(world.compound_a, "sealed", start=timezone.now() + datetime.timedelta(days=1))
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "normal"


def test_exam_candidate_passes_a_sealed_gate_but_the_parent_does_not(world, gate_a, policy_on, family_a):
    policy_on(world.compound_a, "sealed")
    now = timezone.now()
    services.grant_exemption(resident=family_a["son"], kind="exam", evidence="准考证 6101231234", actor=world.worker_a,
                             valid_from=now - datetime.timedelta(hours=1), valid_until=now + datetime.timedelta(days=2))
    son = out(gate_a, world.volunteer_a, family_a["son"].id_number).passage
    assert son.decision == "allowed" and son.rule == "exemption"
    assert son.reason == "Exemption: exam candidate (admission ticket)."  # the kind's label, not its code
    parent = out(gate_a, world.volunteer_a, family_a["head"].id_number).passage
    assert parent.decision == "refused" and parent.rule == "sealed"


def test_revoked_or_expired_exemption_no_longer_counts(world, gate_a, policy_on, family_a):
    policy_on(world.compound_a, "sealed")
    now = timezone.now()
    ex = services.grant_exemption(resident=family_a["son"], kind="medical", evidence="医院预约", actor=world.worker_a,
                                  valid_from=now - datetime.timedelta(days=2), valid_until=now + datetime.timedelta(days=2))
    validity.revoke(ex, reason="预约取消", actor=world.worker_a)
    assert out(gate_a, world.volunteer_a, family_a["son"].id_number).passage.rule == "sealed"
    with pytest.raises(ValidationError):
        services.grant_exemption(resident=family_a["son"], kind="medical", evidence="", actor=world.worker_a,
                                 valid_from=now, valid_until=now + datetime.timedelta(days=1))


def test_controlled_quota_one_person_per_two_days(world, gate_a, policy_on, family_a):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    first = out(gate_a, world.volunteer_a, family_a["wife"].id_number).passage
    assert first.decision == "allowed" and first.rule == "quota"
    again = out(gate_a, world.volunteer_a, family_a["wife"].id_number).passage
    assert again.decision == "allowed" and again.rule == "quota_same_person"
    other = out(gate_a, world.volunteer_a, family_a["head"].id_number).passage
    assert other.decision == "refused" and other.rule == "quota_exhausted"
    assert "刘*" in other.reason  # who used it, masked
    quota = HouseholdQuota.objects.get(household=world.household_a)
    assert quota.people == [family_a["wife"].pk]


def test_quota_opens_again_in_the_next_period(world, gate_a, policy_on, family_a):
    start = timezone.now() - datetime.timedelta(hours=1)
    policy_on(world.compound_a, "controlled", n=1, d=2, start=start)
    out(gate_a, world.volunteer_a, family_a["wife"].id_number)
    later = timezone.now() + datetime.timedelta(days=2)
    p = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="out", value=family_a["head"].id_number, now=later)
    assert p.passage.decision == "allowed" and p.passage.rule == "quota"


def test_exemption_does_not_use_the_household_quota(world, gate_a, policy_on, family_a):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    now = timezone.now()
    services.grant_exemption(resident=family_a["son"], kind="exam", evidence="准考证", actor=world.worker_a,
                             valid_from=now - datetime.timedelta(hours=1), valid_until=now + datetime.timedelta(hours=5))
    assert out(gate_a, world.volunteer_a, family_a["son"].id_number).passage.rule == "exemption"
    assert out(gate_a, world.volunteer_a, family_a["wife"].id_number).passage.rule == "quota"


def test_home_isolated_resident_is_refused_and_an_errand_is_logged(world, gate_a):
    now = timezone.now()
    isolation_services.open_case(resident=world.resident_a, planned_end=now + datetime.timedelta(days=2), reason="close_contact",
                                 source_text="密接 居家隔离", actor=world.worker_a)
    result = out(gate_a, world.volunteer_a, world.resident_a.id_number)
    assert result.passage.rule == "home_isolation" and result.decision.offer_errand
    errand, created = services.log_errand(resident=world.resident_a, what="一碗羊肉汤", actor=world.volunteer_a,
                                          passage=result.passage)
    assert created and ErrandRequest.objects.get().what == "一碗羊肉汤"
    assert AuditEntry.objects.filter(model="checkpoints.errandrequest").exists()


def test_lifted_isolation_lets_the_resident_out(world, gate_a):
    case = isolation_services.open_case(resident=world.resident_a, planned_end=timezone.now() + datetime.timedelta(days=2),
                                        reason="close_contact", actor=world.worker_a)
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "home_isolation"
    isolation_services.release(case, reason="核酸阴性 解除（区疾控电话确认）", actor=world.worker_a)
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "normal"


def test_health_monitoring_and_centralized_isolation_at_the_gate(world, gate_a):
    """Health monitoring does not keep a person in; a case transferred to a site does."""
    from frontline.isolation.models import IsolationCase

    case = isolation_services.open_case(resident=world.resident_a, kind="monitoring", reason="returnee", actor=world.worker_a)
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "normal"
    IsolationCase.objects.filter(pk=case.pk).update(kind="centralized", status="transferred")
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number).passage.rule == "home_isolation"


@pytest.mark.parametrize("typed", ["3.73", "373", "0", "abc", "99.9"])
def test_impossible_temperature_is_rejected_as_a_typing_error_and_nothing_is_stored(world, gate_a, typed):
    with pytest.raises(ValidationError) as exc:
        inward(gate_a, world.volunteer_a, world.resident_a.id_number, temperature=typed)
    assert "temperature" in exc.value.message_dict
    assert Passage.objects.count() == 0


def test_fever_refuses_entry_and_the_remeasure_after_five_minutes_records_both_readings(world, gate_a):
    first = inward(gate_a, world.volunteer_a, world.resident_a.id_number, temperature="37.5")
    assert first.passage.decision == "refused" and first.passage.rule == "fever"
    assert first.decision.remeasure_after == first.passage.at + datetime.timedelta(minutes=5)
    with pytest.raises(ValidationError) as exc:  # too early
        inward(gate_a, world.volunteer_a, "", temperature="36.6", retest_of=first.passage.pk)
    assert "temperature" in exc.value.message_dict
    later = first.passage.at + datetime.timedelta(minutes=6)
    second = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", temperature="36.8",
                                     retest_of=first.passage.pk, now=later).passage
    assert second.decision == "allowed" and second.resident == world.resident_a
    assert (second.first_temperature, second.temperature) == (first.passage.temperature, second.temperature)
    assert str(second.first_temperature) == "37.5" and str(second.temperature) == "36.8"


def test_fever_confirmed_on_remeasure(world, gate_a):
    first = inward(gate_a, world.volunteer_a, world.resident_a.id_number, temperature="38.1").passage
    later = first.at + datetime.timedelta(minutes=5)
    second = services.record_passage(gate=gate_a, actor=world.volunteer_a, direction="in", temperature="38.0",
                                     retest_of=first.pk, now=later).passage
    assert second.decision == "refused" and second.rule == "fever_confirmed"


def test_red_health_code_is_refused_both_ways(world, gate_a):
    assert out(gate_a, world.volunteer_a, world.resident_a.id_number, health_code="red").passage.rule == "health_code"
    assert inward(gate_a, world.volunteer_a, world.resident_a.id_number, health_code="yellow",
                  temperature="36.5").passage.rule == "health_code"
    with pytest.raises(ValidationError):
        out(gate_a, world.volunteer_a, world.resident_a.id_number, health_code="purple")


def test_id_number_with_a_bad_check_digit_is_explained_not_stored(world, gate_a):
    number = world.resident_a.id_number
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        out(gate_a, world.volunteer_a, bad)
    assert "check digit" in str(exc.value) and number[17] in str(exc.value)
    assert Passage.objects.count() == 0


def test_tampered_qr_is_refused_with_the_reason_and_logged(world, gate_a):
    token = tokens.resident_token(world.resident_a)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    p = out(gate_a, world.volunteer_a, tampered).passage
    assert p.decision == "refused" and p.rule == "qr_invalid" and "signature" in p.reason
    assert p.resident is None


def test_expired_resident_qr_is_refused(world, gate_a):
    old = tokens.resident_token(world.resident_a, days=1, now=timezone.now().timestamp() - 3 * 86400)
    p = out(gate_a, world.volunteer_a, old).passage
    assert p.decision == "refused" and p.rule == "qr_expired" and "expired" in p.reason


def test_paper_pass_identifies_the_household_then_the_member(world, gate_a, family_a):
    now = timezone.now()
    gate_pass = services.issue_pass(household=world.household_a, valid_until=now + datetime.timedelta(days=14), actor=world.worker_a)
    token = tokens.pass_token(gate_pass)
    with pytest.raises(ValidationError):  # three members: the staff must choose who
        out(gate_a, world.volunteer_a, token)
    p = out(gate_a, world.volunteer_a, token, resident_id=family_a["wife"].pk).passage
    assert p.method == "pass_qr" and p.gate_pass == gate_pass and p.resident == family_a["wife"]


def test_revoked_and_expired_passes_are_refused_with_their_reason(world, gate_a):
    now = timezone.now()
    revoked = services.issue_pass(household=world.household_a, valid_until=now + datetime.timedelta(days=14), actor=world.worker_a)
    validity.revoke(revoked, reason="证件遗失 补办", actor=world.worker_a)
    p = out(gate_a, world.volunteer_a, tokens.pass_token(revoked)).passage
    assert p.rule == "pass_revoked" and "证件遗失" in p.reason
    expired = services.issue_pass(household=world.household_a, valid_from=now - datetime.timedelta(days=10),
                                  valid_until=now - datetime.timedelta(days=1), actor=world.worker_a)
    assert out(gate_a, world.volunteer_a, tokens.pass_token(expired)).passage.rule == "pass_expired"


def test_pass_of_another_compound_is_refused(world, gate_a):
    other = services.issue_pass(household=world.household_b, valid_until=timezone.now() + datetime.timedelta(days=3),
                                actor=world.admin)
    assert out(gate_a, world.volunteer_a, tokens.pass_token(other)).passage.rule == "pass_other_compound"


def test_unknown_person_goes_to_the_visitor_flow_never_a_crash(world, gate_a):
    for typed in ["赵不存在", "zbcz", "13800001111", "", "   ", "!!!", "x" * 500, tokens.resident_token(world.resident_b)]:
        with pytest.raises(ValidationError) as exc:
            inward(gate_a, world.volunteer_a, typed, temperature="36.5")
        assert "visitor" in str(exc.value).lower()
    result = inward(gate_a, world.volunteer_a, "", temperature="36.4", health_code="green",
                    visitor={"name": "快递员小王", "phone": "13800001111", "reason": "送药", "kind": "delivery",
                             "host_household": world.household_a.pk})
    p = result.passage
    assert p.decision == "allowed" and p.rule == "delivery" and p.visitor.host_household == world.household_a
    assert Visitor.objects.get().phone == "13800001111"  # stored encrypted, read back in Python


def test_visitor_refused_while_controlled_delivery_allowed(world, gate_a, policy_on):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    visitor = inward(gate_a, world.volunteer_a, "", temperature="36.5", visitor={"name": "亲戚"}).passage
    assert visitor.decision == "refused" and visitor.rule == "no_visitors"
    delivery = inward(gate_a, world.volunteer_a, "", temperature="36.5", visitor={"name": "外卖", "kind": "delivery"}).passage
    assert delivery.decision == "allowed"


def test_visitor_host_must_be_in_this_compound(world, gate_a):
    with pytest.raises(ValidationError):
        inward(gate_a, world.volunteer_a, "", visitor={"name": "亲戚", "host_household": world.household_b.pk})


def test_passage_submitted_twice_is_recorded_once(world, gate_a):
    cid = uuid.uuid4()
    first = out(gate_a, world.volunteer_a, world.resident_a.id_number, client_id=cid)
    again = out(gate_a, world.volunteer_a, world.resident_a.id_number, client_id=str(cid))
    assert first.created and not again.created and again.passage.pk == first.passage.pk
    assert Passage.objects.count() == 1


def test_clock_skew_server_time_decides_phone_time_kept(world, gate_a):
    skewed = timezone.now() - datetime.timedelta(hours=9)
    p = out(gate_a, world.volunteer_a, world.resident_a.id_number, client_time=skewed).passage
    assert p.client_time == skewed and abs((p.at - timezone.now()).total_seconds()) < 60


def test_offline_decision_is_kept_marked_and_flagged_when_the_server_disagrees(world, gate_a, policy_on):
    policy_on(world.compound_a, "sealed")
    p = out(gate_a, world.volunteer_a, world.resident_a.id_number, client_id=uuid.uuid4(),
            offline={"decision": "allowed", "rule": "normal", "reason": "离线放行"}).passage
    assert p.decided_offline and p.decision == "allowed" and p.needs_review and p.server_rule == "sealed"
    agree = out(gate_a, world.volunteer_a, world.resident_a.id_number, client_id=uuid.uuid4(),
                offline={"decision": "refused", "rule": "sealed", "reason": ""}).passage
    assert agree.decided_offline and not agree.needs_review


def test_offline_quota_exit_uses_the_quota(world, gate_a, policy_on, family_a):
    policy_on(world.compound_a, "controlled", n=1, d=2)
    out(gate_a, world.volunteer_a, family_a["wife"].id_number, offline={"decision": "allowed", "rule": "quota"})
    assert out(gate_a, world.volunteer_a, family_a["head"].id_number).passage.rule == "quota_exhausted"


def test_gate_closed_outside_opening_hours(world):
    gate = services.create_gate(compound=world.compound_a, name="北门", opens_at=datetime.time(6, 0),
                                closes_at=datetime.time(22, 0), actor=world.admin)
    night = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 30)))
    p = services.record_passage(gate=gate, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number, now=night)
    assert p.passage.rule == "gate_closed"
    day = night.replace(hour=9)
    assert services.record_passage(gate=gate, actor=world.volunteer_a, direction="out", value=world.resident_a.id_number,
                                   now=day).passage.rule == "normal"


def test_staff_of_another_compound_cannot_work_this_gate(world, gate_a):
    with pytest.raises(PermissionDenied):
        out(gate_a, world.worker_b, world.resident_a.id_number)
    with pytest.raises(PermissionDenied):
        out(gate_a, world.outsider, world.resident_a.id_number)


def test_supervisor_override_needs_the_right_and_a_reason(world, gate_a, policy_on):
    policy_on(world.compound_a, "sealed")
    p = out(gate_a, world.volunteer_a, world.resident_a.id_number).passage
    with pytest.raises(PermissionDenied):
        services.override_passage(p, actor=world.volunteer_a, reason="急事")
    with pytest.raises(ValidationError):
        services.override_passage(p, actor=world.worker_a, reason="  ")
    done = services.override_passage(p, actor=world.worker_a, reason="送孕妇就医")
    assert done.overridden_by == world.worker_a and done.effective_decision == "allowed" and done.rule == "sealed"
    entry = AuditEntry.objects.get(model="checkpoints.passage", object_id=str(p.pk))
    assert "送孕妇就医" in entry.reason and "sealed" in entry.reason and entry.actor == world.worker_a
    with pytest.raises(ValidationError):
        services.override_passage(p, actor=world.worker_a, reason="again")


def test_offline_snapshot_lists_isolation_windows_from_the_isolation_app(world, gate_a):
    from frontline.checkpoints.snapshot import gate_state

    end = timezone.now() + datetime.timedelta(days=2)
    case = isolation_services.open_case(resident=world.resident_a, planned_end=end, reason="close_contact", actor=world.worker_a)
    isolation_services.open_case(resident=world.resident_b, reason="close_contact", actor=world.worker_b)  # another compound
    isolations = gate_state(gate_a)["isolations"]
    assert [i["r"] for i in isolations] == [world.resident_a.pk] and isolations[0]["end"] == end.isoformat()
    isolation_services.release(case, reason="解除（疾控电话确认）", actor=world.worker_a)
    assert gate_state(gate_a)["isolations"] == []
