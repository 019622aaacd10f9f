"""The gate's rules, as plain functions of what is known at the gate (no database here).

The service gathers the facts (policy in force, exemptions, isolation, quota usage, the checks
the staff recorded) and asks these functions; the gate screen's offline mode runs the same rules
in JavaScript (static/checkpoints/gate.js, ``decide``) from its last synced snapshot. Keep the two
in step: tests/test_policy_rules.py lists every rule.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

# The one temperature parser and fever threshold (core.vitals), shared with isolation check-ins.
from frontline.core.vitals import FEVER, TEMPERATURE_MAX, TEMPERATURE_MIN, parse_temperature  # noqa: F401

REMEASURE_AFTER = datetime.timedelta(minutes=5)

# Every rule that can decide a passage: code → what the staff and the statistics show.
RULES = {
    "normal": gettext_lazy("normal exit"),
    "quota": gettext_lazy("household quota"),
    "quota_same_person": gettext_lazy("household quota (already this period's person)"),
    "quota_exhausted": gettext_lazy("household quota used up"),
    "exemption": gettext_lazy("exemption"),
    "sealed": gettext_lazy("sealed area"),
    "home_isolation": gettext_lazy("home isolation"),
    "gate_closed": gettext_lazy("gate closed"),
    "health_code": gettext_lazy("health code not green"),
    "travel_risk": gettext_lazy("travel-card risk"),
    "fever": gettext_lazy("temperature 37.3 °C or more"),
    "fever_confirmed": gettext_lazy("fever confirmed on re-measure"),
    "return_home": gettext_lazy("resident coming home"),
    "visitor": gettext_lazy("registered visitor"),
    "delivery": gettext_lazy("registered delivery"),
    "no_visitors": gettext_lazy("no visitors under this policy"),
    "qr_invalid": gettext_lazy("QR code altered or foreign"),
    "qr_expired": gettext_lazy("QR code expired"),
    "pass_revoked": gettext_lazy("pass revoked"),
    "pass_expired": gettext_lazy("pass expired"),
    "pass_not_yet_valid": gettext_lazy("pass not yet valid"),
    "pass_other_compound": gettext_lazy("pass of another compound"),
}

ALLOWING = {"normal", "quota", "quota_same_person", "exemption", "return_home", "visitor", "delivery"}


def rule_label(code: str) -> str:
    return str(RULES.get(code, code))


@dataclass
class Checks:
    """What the staff recorded: the health-code colour on the person's phone, the travel-card
    risk flag, the temperature (°C)."""

    health_code: str = ""
    travel_risk: bool = False
    temperature: Decimal | None = None


@dataclass
class Decision:
    allowed: bool
    rule: str
    reason: str = ""
    warnings: list = field(default_factory=list)
    offer_errand: bool = False
    remeasure_after: datetime.datetime | None = None
    uses_quota: bool = False  # the caller must lock the household's quota row and decide there

    @property
    def decision(self) -> str:
        return "allowed" if self.allowed else "refused"

    @property
    def label(self) -> str:
        return rule_label(self.rule)


def _health_code_refusal(checks: Checks) -> Decision | None:
    if checks.health_code in ("red", "yellow"):
        colour = _("red") if checks.health_code == "red" else _("yellow")
        return Decision(False, "health_code", _("Health code is %(c)s: not allowed through; report to the command post.") % {"c": colour})
    return None


def _fever_refusal(checks: Checks, now, first_temperature=None) -> Decision | None:
    if checks.temperature is None or checks.temperature < FEVER:
        return None
    if first_temperature is not None:
        return Decision(False, "fever_confirmed", _(
            "Re-measured %(t2)s °C after %(t1)s °C: fever confirmed. Do not let in; call the community doctor."
        ) % {"t1": first_temperature, "t2": checks.temperature})
    again = now + REMEASURE_AFTER
    return Decision(
        False, "fever",
        _("%(t)s °C: not allowed in. Rest in the shade and measure again after %(at)s.") % {
            "t": checks.temperature, "at": _local_hm(again)},
        remeasure_after=again,
    )


def _exemption_labels(kinds) -> str:
    from .models import Exemption  # the labels only; still no database here

    labels = dict(Exemption.Kind.choices)
    return pgettext("list separator", ", ").join(str(labels.get(kind, kind)) for kind in sorted(kinds))


def _local_hm(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%H:%M")


def decide_resident(
    *, direction: str, now, gate_open: bool, mode: str, quota_people: int | None = None, quota_days: int | None = None,
    exemption_kinds=(), isolated: bool = False, checks: Checks | None = None, first_temperature=None,
) -> Decision:
    """Decide for a resident of the gate's compound. A controlled exit without an exemption comes
    back with ``uses_quota``: the caller decides under the household's quota lock."""
    checks = checks or Checks()
    exemption_kinds = set(exemption_kinds)
    warnings = []
    if not gate_open and "emergency" not in exemption_kinds:
        return Decision(False, "gate_closed", _("The gate is closed now; only emergencies pass."))
    if direction == "in":
        refusal = _fever_refusal(checks, now, first_temperature) or _health_code_refusal(checks)
        if refusal:
            return refusal
        if checks.travel_risk:
            warnings.append(_("Travel card shows a risk area: register the resident for screening."))
        if checks.temperature is None:
            warnings.append(_("No temperature taken."))
        return Decision(True, "return_home", _("Resident coming home."), warnings=warnings)
    refusal = _health_code_refusal(checks)
    if refusal:
        return refusal
    if isolated and "emergency" not in exemption_kinds:
        return Decision(
            False, "home_isolation",
            _("Under home isolation: may not go out. Offer to fetch what is needed instead (errand request)."),
            offer_errand=True,
        )
    if mode in ("sealed", "controlled") and exemption_kinds:
        return Decision(True, "exemption", _("Exemption: %(kinds)s.") % {"kinds": _exemption_labels(exemption_kinds)})
    if mode == "sealed":
        return Decision(False, "sealed", _("The area is sealed: no exit without an exemption."))
    if mode == "controlled":
        return Decision(True, "quota", "", uses_quota=True)
    return Decision(True, "normal", _("Normal exit."))


def decide_quota(*, resident_id: int, people: list, quota_people: int, quota_days: int, user_names=None) -> Decision:
    """Under the household's quota lock: allow if the resident is this period's person already,
    or a place is free; else refuse naming who used it."""
    if resident_id in people:
        return Decision(True, "quota_same_person", _("Already this period's person of the household."))
    if len(people) < quota_people:
        return Decision(True, "quota", _("Household quota: %(used)s of %(n)s used in these %(d)s days.") % {
            "used": len(people) + 1, "n": quota_people, "d": quota_days})
    who = "、".join(user_names or [])
    return Decision(False, "quota_exhausted", _(
        "The household's quota (%(n)s per %(d)s days) is used up%(who)s. Next period, or an exemption."
    ) % {"n": quota_people, "d": quota_days, "who": (" (" + who + ")") if who else ""})


def decide_visitor(*, direction: str, now, gate_open: bool, mode: str, kind: str, checks: Checks | None = None,
                   first_temperature=None) -> Decision:
    checks = checks or Checks()
    if direction == "out":
        return Decision(True, kind, _("Visitor leaving."))
    if not gate_open:
        return Decision(False, "gate_closed", _("The gate is closed now; only emergencies pass."))
    refusal = _fever_refusal(checks, now, first_temperature) or _health_code_refusal(checks)
    if refusal:
        return refusal
    if checks.travel_risk:
        return Decision(False, "travel_risk", _("Travel card shows a risk area: visitors may not come in."))
    if mode == "sealed" or (mode == "controlled" and kind == "visitor"):
        if mode == "sealed":
            return Decision(False, "no_visitors", _("The area is sealed: nobody comes in; deliveries are left at the gate."))
        return Decision(False, "no_visitors", _("The area is controlled: no visitors; deliveries only."))
    return Decision(True, kind, _("Registered visitor.") if kind == "visitor" else _("Registered delivery."))
