"""Vital signs as typed by staff or residents: one temperature parser for every screen.

The gate (checkpoints), the isolation check-ins and the household link all read a body
temperature through ``parse_temperature``: 3.73 or 373 (a missing or extra decimal point) is a
typing error, refused so the person types it again rather than letting a fever through, and the
plausible range is the same everywhere. ``is_fever`` is the one threshold (37.3 °C).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FEVER = Decimal("37.3")
TEMPERATURE_MIN, TEMPERATURE_MAX = Decimal("34.0"), Decimal("43.0")


def parse_temperature(value, field: str = "temperature") -> Decimal | None:
    """A body temperature in °C rounded to 0.1, or None when not measured; ValidationError on
    ``field`` for anything that is not a plausible body temperature."""
    if value in (None, ""):
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        reading = Decimal(str(value).strip().replace(",", ".").replace("℃", "").replace("°C", "").strip())
    except InvalidOperation:
        raise ValidationError({field: _("%(v)s is not a temperature; type it as 36.5.") % {"v": value}}) from None
    if not reading.is_finite() or not TEMPERATURE_MIN <= reading <= TEMPERATURE_MAX:
        raise ValidationError({field: _(
            "%(v)s °C cannot be a body temperature (34.0–43.0): probably a typing error. Measure and type it again, e.g. 36.5."
        ) % {"v": value}})
    return reading.quantize(Decimal("0.1"))


def is_fever(temperature) -> bool:
    """37.3 °C or more."""
    return temperature is not None and Decimal(temperature) >= FEVER
