"""Signed QR tokens: a resident's gate QR, a household's paper pass, a venue code.

``FLR1.<signed>`` resident, ``FLP1.<signed>`` paper pass, ``FLV1.<signed>`` venue. The signed part
is django.core.signing's (HMAC with SECRET_KEY, a salt per kind), so a changed character is
caught; the payload is plain base64 JSON, which lets an offline gate read (not trust) it.
"""

import datetime
import time

from django.core import signing
from django.utils.translation import gettext as _

RESIDENT, PASS, VENUE = "FLR1", "FLP1", "FLV1"
_SALTS = {RESIDENT: "checkpoints.resident", PASS: "checkpoints.pass", VENUE: "checkpoints.venue"}
RESIDENT_QR_DAYS = 30


class TokenError(ValueError):
    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule, self.message = rule, message


def kind_of(raw: str) -> str | None:
    raw = (raw or "").strip()
    for kind in _SALTS:
        if raw.startswith(kind + "."):
            return kind
    return None


def make(kind: str, payload: dict) -> str:
    return f"{kind}.{signing.dumps(payload, salt=_SALTS[kind])}"


def read(raw: str) -> tuple[str, dict]:
    """Verify a token; raises TokenError(rule, message) when it is forged, damaged or expired."""
    raw = (raw or "").strip()
    kind = kind_of(raw)
    if kind is None:
        raise TokenError("qr_invalid", _("This is not a Frontline QR code."))
    try:
        payload = signing.loads(raw[len(kind) + 1:], salt=_SALTS[kind])
    except signing.BadSignature:
        raise TokenError(
            "qr_invalid", _("The QR code failed its signature check: it was altered or is not ours. Ask for ID instead.")
        ) from None
    if not isinstance(payload, dict):
        raise TokenError("qr_invalid", _("The QR code failed its signature check: it was altered or is not ours. Ask for ID instead."))
    expires = payload.get("e")
    if expires is not None and time.time() >= expires:
        when = datetime.datetime.fromtimestamp(expires).strftime("%Y-%m-%d")
        raise TokenError("qr_expired", _("The QR code expired on %(date)s; issue a new one.") % {"date": when})
    return kind, payload


def resident_token(resident, *, days: int = RESIDENT_QR_DAYS, now: float | None = None) -> str:
    expires = int((now or time.time()) + days * 86400)
    return make(RESIDENT, {"r": resident.pk, "e": expires})


def pass_token(gate_pass) -> str:
    return make(PASS, {"p": gate_pass.pk, "h": gate_pass.household_id, "u": int(gate_pass.valid_until.timestamp())})


def venue_token(venue) -> str:
    return make(VENUE, {"v": venue.pk})
