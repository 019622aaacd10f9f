"""The rules as plain functions: the same table the offline gate (gate.js) implements."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from frontline.checkpoints import policy
from frontline.checkpoints.policy import Checks, decide_resident, decide_visitor, parse_temperature

NOW = timezone.now()


@pytest.mark.parametrize("typed,expected", [("36.5", "36.5"), ("36,8", "36.8"), ("37.3℃", "37.3"), (" 35 ", "35.0"), ("", None), (None, None)])
def test_temperature_accepted(typed, expected):
    value = parse_temperature(typed)
    assert (str(value) if value is not None else None) == expected


@pytest.mark.parametrize("typed", ["3.73", "373", "33.9", "43.1", "nan", "inf", "36..5", "-36.5"])
def test_temperature_typing_errors_rejected(typed):
    with pytest.raises(ValidationError):
        parse_temperature(typed)


def _out(**kw):
    base = {"direction": "out", "now": NOW, "gate_open": True, "mode": "normal"}
    return decide_resident(**{**base, **kw})


def test_resident_rule_table():
    assert _out().rule == "normal"
    assert _out(mode="sealed").rule == "sealed"
    assert _out(mode="sealed", exemption_kinds={"exam"}).rule == "exemption"
    assert _out(mode="controlled").uses_quota
    assert _out(mode="controlled", exemption_kinds={"medical"}).rule == "exemption"
    assert _out(isolated=True, mode="sealed", exemption_kinds={"exam"}).rule == "home_isolation"
    assert _out(isolated=True, exemption_kinds={"emergency"}).rule == "normal"
    assert _out(gate_open=False).rule == "gate_closed"
    assert _out(gate_open=False, mode="sealed", exemption_kinds={"emergency"}).rule == "exemption"
    assert _out(checks=Checks(health_code="red")).rule == "health_code"
    coming = decide_resident(direction="in", now=NOW, gate_open=True, mode="sealed", checks=Checks(temperature=Decimal("36.5")))
    assert coming.allowed and coming.rule == "return_home"
    fever = decide_resident(direction="in", now=NOW, gate_open=True, mode="normal", checks=Checks(temperature=Decimal("37.3")))
    assert fever.rule == "fever" and fever.remeasure_after == NOW + datetime.timedelta(minutes=5)
    below = decide_resident(direction="in", now=NOW, gate_open=True, mode="normal", checks=Checks(temperature=Decimal("37.2")))
    assert below.allowed


def test_quota_rule():
    assert policy.decide_quota(resident_id=1, people=[], quota_people=1, quota_days=2).rule == "quota"
    assert policy.decide_quota(resident_id=1, people=[1], quota_people=1, quota_days=2).rule == "quota_same_person"
    assert policy.decide_quota(resident_id=2, people=[1], quota_people=1, quota_days=2).rule == "quota_exhausted"
    assert policy.decide_quota(resident_id=2, people=[1], quota_people=2, quota_days=2).rule == "quota"


def test_visitor_rule_table():
    def v(**kw):
        return decide_visitor(**{"direction": "in", "now": NOW, "gate_open": True, "mode": "normal", "kind": "visitor", **kw})

    assert v().rule == "visitor"
    assert v(mode="controlled").rule == "no_visitors"
    assert v(mode="controlled", kind="delivery").rule == "delivery"
    assert v(mode="sealed", kind="delivery").rule == "no_visitors"
    assert v(checks=Checks(travel_risk=True)).rule == "travel_risk"
    assert v(direction="out", mode="sealed").allowed


def test_every_rule_has_a_label():
    for code in ["normal", "quota", "quota_same_person", "quota_exhausted", "exemption", "sealed", "home_isolation",
                 "gate_closed", "health_code", "travel_risk", "fever", "fever_confirmed", "return_home", "visitor",
                 "delivery", "no_visitors", "qr_invalid", "qr_expired", "pass_revoked", "pass_expired"]:
        assert code in policy.RULES
