"""Text a person may enter: no control characters. One rule, used by every way text comes in.

A control character (``\\x01``, ``\\x1b``, a C1 code, an unpaired surrogate …) is never something
a person meant to type; pasted from a terminal, a broken scanner or a fuzzer, it is stored, and
then breaks what reads it later: openpyxl refuses it (``IllegalCharacterError``), so one bad name
made the whole area's Excel export answer 500. So:

* **input** refuses them everywhere, with a message naming the field: forms (every
  ``forms.CharField``, installed by ``install_form_validator`` from core's ``ready()``), API
  bodies (``apikit.text`` / ``name_text`` declare the pattern in the schema, and ``BodySchema``
  / ``Nested`` check every string field, typed with a pattern or not), and the ledger import
  (each cell). Only *notes* fields (a form's textarea, an API field named ``notes``, the
  import's 备注 column) may hold a line break (``\\n``, and the ``\\r`` a browser sends with it);
  a tab is refused there too;
* **output** never trusts what is already stored: ``excel_text`` / ``excel_row`` replace what
  openpyxl cannot write, so an export of an old bad value still works and shows where it was.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# C0 controls (tab, newline and carriage return included), DEL, C1 controls, unpaired
# surrogates (JSON can carry "\ud800"; the database driver cannot encode it) and the
# non-characters U+FFFE / U+FFFF.
_SINGLE_LINE = "\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_MULTI_LINE = "\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
CONTROL = re.compile(f"[{_SINGLE_LINE}]")
CONTROL_EXCEPT_NEWLINE = re.compile(f"[{_MULTI_LINE}]")
# The same rules as JSON Schema patterns (ECMA regex), for the OpenAPI document.
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
MULTI_LINE_PATTERN = r"^[^\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
# API fields (and import columns) where a line break is fine.
MULTILINE_FIELDS = frozenset({"notes"})

# What openpyxl refuses to write (its ILLEGAL_CHARACTERS_RE), plus the rest of the above but
# the tab and line breaks a cell may hold.
_EXCEL_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def find_control(value: str, *, multiline: bool = False):
    """(position, character) of the first control character in ``value``, or None."""
    if not isinstance(value, str):
        return None
    match = (CONTROL_EXCEPT_NEWLINE if multiline else CONTROL).search(value)
    return (match.start(), match.group()) if match else None


def control_message(value: str, *, multiline: bool = False, field: str = ""):
    """The message for a value holding a control character (None when it holds none)."""
    found = find_control(value, multiline=multiline)
    if found is None:
        return None
    position, char = found
    values = {"code": f"U+{ord(char):04X}", "position": position + 1, "field": field}
    if multiline:
        message = _("contains a control character (%(code)s, character %(position)s); only line breaks are allowed besides printable text.")
    else:
        message = _("contains a control character (%(code)s, character %(position)s); use printable text on one line.")
    text = str(message) % values
    return f"{field}: {text}" if field else text


def check_text(value, *, field: str, multiline: bool = False) -> None:
    """Raise ValidationError({field: …}, code="control_character") if ``value`` holds one."""
    message = control_message(value, multiline=multiline) if isinstance(value, str) else None
    if message:
        raise ValidationError({field: ValidationError(message, code="control_character")})


@deconstructible
class NoControlCharacters:
    """A Django validator (forms, model fields) for the same rule."""

    code = "control_character"

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, value):
        message = control_message(value, multiline=self.multiline) if isinstance(value, str) else None
        if message:
            raise ValidationError(message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NoControlCharacters) and other.multiline == self.multiline


def install_form_validator() -> None:
    """Every ``forms.CharField`` (and its subclasses, so ModelForm and admin fields too) refuses
    control characters, a textarea all but line breaks. Django adds its own NUL check the same
    way (in ``CharField.__init__``); this adds ours beside it, once."""
    from django import forms

    if getattr(forms.CharField, "_frontline_text_rule", False):
        return
    original = forms.CharField.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.validators.append(NoControlCharacters(multiline=isinstance(self.widget, forms.Textarea)))

    forms.CharField.__init__ = __init__
    forms.CharField._frontline_text_rule = True


def excel_text(value):
    """``value`` as openpyxl can write it: control characters (but tab and line breaks) replaced
    by U+FFFD, so a stored bad value still exports and shows where it was. Non-strings pass."""
    if isinstance(value, str) and _EXCEL_ILLEGAL.search(value):
        return _EXCEL_ILLEGAL.sub(REPLACEMENT, value)
    return value


def excel_row(values) -> list:
    """A row for ``sheet.append``: every string through ``excel_text`` (cells pass untouched;
    make their value with ``excel_text``)."""
    return [excel_text(v) for v in values]
