"""What the desk asks before it registers a scan, while it is online: is this a tube, a pass, an
ID number or a name, and what should the screen say about the person (green channel, sampled
already, lives elsewhere, not in the ledger). Nothing is written here but an audit row when a
lookup finds someone outside the user's own areas.

What a desk may find (docs/screening.md "What a desk may find"):
- by a scanned ID card or pass (the person stands at the desk): anyone. Inside the round's areas
  (which may be wider than the sampler's own) the answer names the building and room; outside,
  only the masked name and ID number, and the person is registered as a visitor;
- by name or pinyin: only residents inside both the round's areas and the user's own;
- every answer is masked (name, ID number), never the full name, phone or birth date; an answer
  about someone outside the user's areas writes an audit row (action "lookup").
"""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit, idnumber, personal
from frontline.core.access import require_actor
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can

from .. import barcodes, passes
from ..models import Desk
from . import people, sampling
from .common import ScreeningError

SEARCH_LIMIT = 10


def _candidate(round_obj, resident, earlier, today) -> dict:
    tags = [t.tag for t in resident.tags.all()]
    in_round = round_obj.covers(resident.household.area.path)
    return {
        "resident_id": resident.pk,
        "name_masked": people.mask_name(resident.name),
        "id_masked": resident.id_number_masked,
        "address": f"{resident.household.area.name} {resident.household.room}" if in_round else _("another area"),
        "age": people.age_on(resident.birth_date, today),
        "green_reasons": people.green_reasons(resident, None, tags, today),
        "in_scope": in_round,
        "earlier": people.where_when(earlier) if earlier is not None else None,
    }


def lookup(desk: Desk, text: str, *, actor) -> dict:
    """{"kind": "tube" | "person" | "people" | "unknown_id", ...} for what was scanned or typed."""
    require_actor(actor)
    round_obj = desk.site.round
    text = (text or "").strip()
    today = timezone.localdate()
    if not text:
        raise ScreeningError("empty", _("Scan a tube, an ID card or a pass, or type a name."))
    if barcodes.is_tube(text):
        return {"kind": "tube", "tube": sampling.tube_status(desk, text, actor=actor)}
    if passes.looks_like_pass(text):
        resident_id = passes.read(text)
        if resident_id is None:
            raise ScreeningError("bad_pass", _("This QR code is not a valid resident pass. Scan the ID card or type the name."))
        residents = list(people.Resident.objects.filter(pk=resident_id).select_related("household__area").prefetch_related("tags"))
        _audit_outside(residents, actor, "pass")
        return _people_answer(round_obj, residents, today, kind="person")
    cleaned = idnumber.clean_raw(text)
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", cleaned) or (len(cleaned) >= 15 and cleaned[:14].isdigit()):
        parsed = people.parse_id(cleaned)
        found = list(people.Resident.objects.by_id_number(parsed.number).select_related("household__area").prefetch_related("tags"))
        if not found:
            return {"kind": "unknown_id", "id_masked": personal.mask_id_number(parsed.number),
                    "green_reasons": people.green_reasons(None, parsed.birth_date, [], today),
                    "message": _("Not in the ledger: register the person as a visitor (name and phone).")}
        _audit_outside(found, actor, "id_number")
        return _people_answer(round_obj, found, today, kind="person")
    if re.fullmatch(r"[\d\s]+", text) and len(cleaned) != 4 and len(cleaned) != 11:
        raise ScreeningError("not_understood", _("%(text)s is neither a tube barcode nor an ID number. Check it, or type the name.")
                             % {"text": text[:30]})
    found = list(people.round_residents(round_obj).restrict(actor, "view").search(text).select_related("household__area").prefetch_related("tags")
                 .order_by("household__area__path", "household__room", "pk")[:SEARCH_LIMIT + 1])
    answer = _people_answer(round_obj, found[:SEARCH_LIMIT], today, kind="people")
    answer["more"] = len(found) > SEARCH_LIMIT
    return answer


def _audit_outside(residents, actor, method: str) -> None:
    """An audit row for each resident found outside the user's own areas (by ID card or pass)."""
    for resident in residents:
        path = resident.household.area.path
        if not user_can(actor, "view", path):
            audit.record(resident, AuditEntry.Action.LOOKUP, actor=actor, source="desk", area_path=path,
                         changes={"lookup": method}, reason=_("desk lookup outside the user's areas"))


def _people_answer(round_obj, residents, today, *, kind) -> dict:
    persons = [people.Person(resident=r) for r in residents]
    earlier = people.earlier_samples(round_obj, persons)
    return {"kind": kind, "people": [_candidate(round_obj, r, earlier.get(("r", r.pk)), today) for r in residents]}
