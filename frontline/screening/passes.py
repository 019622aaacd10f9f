"""The resident's QR pass as the desk reads it: ``FLR1.<resident id>.<signature>``.

The signature is a keyed hash (the personal-data lookup key), so a pass cannot be made up by
counting ids, and the pass itself carries no personal data. The desk may scan it offline; the
server checks it when the scan syncs.
"""

import hmac
import re

from frontline.core.personal import lookup_hash

PREFIX = "FLR1"
_PATTERN = re.compile(r"^FLR1[.:](\d{1,12})[.:]([0-9a-f]{12})$", re.IGNORECASE)


def _signature(resident_id: int) -> str:
    return lookup_hash("resident-pass", str(resident_id))[:12]


def make(resident_id: int) -> str:
    return f"{PREFIX}.{resident_id}.{_signature(resident_id)}"


def looks_like_pass(text: str) -> bool:
    return bool(text) and text.strip().upper().startswith(PREFIX)


def read(text: str) -> int | None:
    """The resident id of a genuine pass, or None."""
    match = _PATTERN.match((text or "").strip())
    if not match:
        return None
    resident_id = int(match.group(1))
    if not hmac.compare_digest(_signature(resident_id), match.group(2).lower()):
        return None
    return resident_id
