"""What the desk asks before it registers a scan, while it is online: is this a tube, a pass, an
ID number or a name, and what should the screen say about the person (green channel, sampled
already, lives elsewhere, not in the ledger). Nothing is written here."""

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import idnumber
from frontline.core.access import require_actor

from .. import barcodes, passes
from ..models import Desk
from . import people, sampling
from .common import ScreeningError

SEARCH_LIMIT = 10


def _candidate(round_obj, resident, earlier, today) -> dict:
    tags = [t.tag for t in resident.tags.all()]
    return {
        "resident_id": resident.pk,
        "name": resident.name,
        "name_masked": people.mask_name(resident.name),
        "id_masked": resident.id_number_masked,
        "address": f"{resident.household.area.name} {resident.household.room}",
        "age": people.age_on(resident.birth_date, today),
        "green_reasons": people.green_reasons(resident, None, tags, today),
        "in_scope": round_obj.covers(resident.household.area.path),
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
        return _people_answer(round_obj, residents, today, kind="person")
    cleaned = idnumber.clean_raw(text)
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", cleaned) or (len(cleaned) >= 15 and cleaned[:14].isdigit()):
        parsed = people.parse_id(cleaned)
        found = list(people.Resident.objects.by_id_number(parsed.number).select_related("household__area").prefetch_related("tags"))
        if not found:
            return {"kind": "unknown_id", "id_masked": idnumber.mask(parsed.number),
                    "green_reasons": people.green_reasons(None, parsed.birth_date, [], today),
                    "message": _("Not in the ledger: register the person as a visitor (name and phone).")}
        return _people_answer(round_obj, found, today, kind="person")
    if re.fullmatch(r"[\d\s]+", text) and len(cleaned) != 4 and len(cleaned) != 11:
        raise ScreeningError("not_understood", _("%(text)s is neither a tube barcode nor an ID number. Check it, or type the name.")
                             % {"text": text[:30]})
    found = list(people.round_residents(round_obj).search(text).select_related("household__area").prefetch_related("tags")
                 .order_by("household__area__path", "household__room", "pk")[:SEARCH_LIMIT + 1])
    answer = _people_answer(round_obj, found[:SEARCH_LIMIT], today, kind="people")
    answer["more"] = len(found) > SEARCH_LIMIT
    return answer


def _people_answer(round_obj, residents, today, *, kind) -> dict:
    persons = [people.Person(resident=r) for r in residents]
    earlier = people.earlier_samples(round_obj, persons)
    return {"kind": kind, "people": [_candidate(round_obj, r, earlier.get(("r", r.pk)), today) for r in residents]}
