"""Phone numbers: normalised to digits; mainland mobiles checked for shape."""

import re

from django.utils.translation import gettext_lazy as _

_FULLWIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


class PhoneError(ValueError):
    pass


def normalise(raw) -> str:
    """Digits only; a +86 / 0086 prefix is dropped. Empty stays empty."""
    if raw is None:
        return ""
    text = re.sub(r"[\s\u3000\-()（）]", "", str(raw).translate(_FULLWIDTH))
    if not text:
        return ""
    if re.fullmatch(r"\d+\.0", text):  # a phone typed into a numeric Excel cell
        text = text[:-2]
    text = re.sub(r"^(\+86|0086)", "", text)
    if not re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}|\d{7,8}", text):
        raise PhoneError(_("%(raw)s is not a phone number (11-digit mobile, or a landline).") % {"raw": raw})
    return text


def mask(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return "*" * (len(phone) - 4) + phone[-4:]
