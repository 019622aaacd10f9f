"""Tube and bag barcode formats.

A tube barcode is a letter prefix and digits (e.g. ``HS202201010001``), which keeps it apart from
an ID number (digits only) and a name on the desk's single input. Sites whose tubes use another
format set ``SCREENING_TUBE_BARCODE_RE`` / ``SCREENING_BAG_BARCODE_RE`` in settings; the desk page
reads the same pattern, so the browser and the server agree. Patterns must be valid in both
Python and JavaScript.
"""

import functools
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

DEFAULT_TUBE_RE = r"^(?!BAG)[A-Z]{1,4}[0-9]{6,16}$"
DEFAULT_BAG_RE = r"^BAG[0-9]{6,16}$"


class BarcodeError(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def tube_pattern() -> str:
    return getattr(settings, "SCREENING_TUBE_BARCODE_RE", DEFAULT_TUBE_RE)


def bag_pattern() -> str:
    return getattr(settings, "SCREENING_BAG_BARCODE_RE", DEFAULT_BAG_RE)


_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


def normalise(raw) -> str:
    """What a scanner or a keyboard gives: stray spaces, lower case, full-width characters."""
    text = str(raw or "").strip()
    if not text.isascii():
        text = text.translate(_FULLWIDTH)
    if " " in text or "\t" in text or not text.isascii():
        text = re.sub(r"\s+", "", text)
    return text.upper()


@functools.lru_cache(maxsize=8)
def _compiled(pattern: str):
    return re.compile(pattern)


def is_tube(raw) -> bool:
    return _compiled(tube_pattern()).fullmatch(normalise(raw)) is not None


def clean_tube(raw) -> str:
    code = normalise(raw)
    if not code:
        raise BarcodeError(_("A tube barcode is required."))
    if not _compiled(tube_pattern()).fullmatch(code):
        raise BarcodeError(
            _("%(code)s is not a tube barcode (expected letters followed by digits, e.g. HS2022010100001).")
            % {"code": code[:40]}
        )
    return code


def clean_bag(raw) -> str:
    code = normalise(raw)
    if not code:
        raise BarcodeError(_("A bag barcode is required."))
    if not re.fullmatch(bag_pattern(), code):
        raise BarcodeError(_("%(code)s is not a bag barcode (expected BAG followed by digits).") % {"code": code[:40]})
    return code
