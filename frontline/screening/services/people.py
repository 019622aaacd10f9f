"""Who is in front of the desk: an ID number, a QR pass, a chosen resident, or a visitor.

``resolve_many`` turns the person part of many scans into residents or visitor details with as
few queries as a batch allows (one per kind of identifier); ``describe`` gives the desk what it
shows (masked name and ID, address, green channel, an earlier sample in the round).
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import idnumber, lean, phones
from frontline.core.personal import lookup_hash, mask_name  # noqa: F401  (re-exported: the one name mask)
from frontline.core.scoping import prefix_q, user_can
from frontline.residents.models import Household, Resident, ResidentTag

from .. import passes
from ..models import Sample, Visitor
from .common import Conflict, ScreeningError

GREEN_TAGS = {ResidentTag.Tag.PREGNANT, ResidentTag.Tag.DISABLED, ResidentTag.Tag.ELDERLY_ALONE, ResidentTag.Tag.BEDRIDDEN}


def green_channel_age() -> int:
    return getattr(settings, "SCREENING_GREEN_CHANNEL_AGE", 65)


def age_on(birth: datetime.date | None, today: datetime.date) -> int | None:
    if not birth:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class ResidentRef:
    """What the desk needs of a resident, read with one query for a whole batch (no model
    instances: a batch of 200 scans should not build 600 objects)."""

    __slots__ = ("pk", "name", "id_number", "id_number_hash", "birth_date", "household_id", "area_path", "tags")

    def __init__(self, pk, name, id_number, id_number_hash, birth_date, household_id, area_path):
        self.pk, self.name, self.id_number, self.id_number_hash = pk, name, id_number, id_number_hash
        self.birth_date, self.household_id, self.area_path = birth_date, household_id, area_path
        self.tags = []

    @property
    def id_number_masked(self):
        return idnumber.mask(self.id_number)


def _fetch_refs(by_pk, by_id_hash) -> dict:
    """The residents a batch names, by id or by ID-number hash, with their green-channel groups.

    Every desk scan comes here, so these are two hand-written queries (``core.lean``: values
    converted as the ORM converts them, the ID number decrypted) rather than two QuerySets."""
    if not by_pk and not by_id_hash:
        return {}
    R, H, A = Resident, Household, Area
    wanted, params = [], []
    for name, values in (("id", by_pk), ("id_number_hash", by_id_hash)):
        if values:
            condition, values_params = lean.among(lean.column(R, name, "r"), values)
            wanted.append(condition)
            params += values_params
    names = ["id", "name", "id_number", "id_number_hash", "birth_date", "household"]
    rows = lean.select(
        f"SELECT {lean.cols(R, names, 'r')}, {lean.column(A, 'path', 'a')} FROM {lean.table(R)} r "
        f"JOIN {lean.table(H)} h ON h.{lean.column(H, 'id')} = r.{lean.column(R, 'household')} "
        f"JOIN {lean.table(A)} a ON a.{lean.column(A, 'id')} = h.{lean.column(H, 'area')} "
        f"WHERE {' OR '.join(wanted)}",
        params, [*lean.fields(R, names), None])
    refs = {row[0]: ResidentRef(*row) for row in rows}
    if refs:
        T = ResidentTag
        of_residents, resident_params = lean.among(lean.column(T, 'resident'), refs)
        of_tags, tag_params = lean.among(lean.column(T, 'tag'), sorted(GREEN_TAGS))
        for resident_id, tag in lean.select(
                f"SELECT {lean.cols(T, ['resident', 'tag'])} FROM {lean.table(T)} WHERE {of_residents} AND {of_tags}",
                [*resident_params, *tag_params], [None, None]):
            refs[resident_id].tags.append(tag)
    return refs


@dataclass
class Person:
    """The person part of one scan, once resolved."""

    resident: "ResidentRef | Resident | None" = None
    visitor_fields: dict | None = None  # name, id_number, phone, address, needs_details, ledger_resident
    id_hash: str = ""
    green_reasons: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def key(self):
        """Identity for "already sampled": the resident, else the visitor's ID number."""
        if self.resident is not None:
            return ("r", self.resident.pk)
        return ("v", self.id_hash) if self.id_hash else None

    def display(self) -> dict:
        if self.resident is not None:
            r = self.resident
            return {"name": mask_name(r.name), "id_masked": r.id_number_masked, "visitor": False,
                    "resident_id": r.pk}
        v = self.visitor_fields or {}
        return {"name": mask_name(v.get("name", "")), "id_masked": idnumber.mask(v.get("id_number", "")),
                "visitor": True, "resident_id": None}


def parse_id(raw) -> idnumber.IDNumber:
    try:
        return idnumber.parse(raw)
    except idnumber.IDNumberError as exc:
        message = str(exc.message)
        if exc.rule == "check":
            message = _("The ID number's check digit is wrong: the number was misread or mistyped. "
                        "Scan it again, or type the person's name to find them.")
        raise ScreeningError(f"id_{exc.rule}", message, {"rule": exc.rule}) from None


def round_residents(round_obj):
    q = Q(pk__in=[])
    for path in round_obj.scope_paths():
        q |= prefix_q("household__area__path", path)
    return Resident.objects.filter(q)


def green_reasons(resident: Resident | None, birth: datetime.date | None, tags, today) -> list[str]:
    reasons = []
    age = age_on(resident.birth_date if resident else birth, today)
    if age is not None and age >= green_channel_age():
        reasons.append("elderly")
    for tag in sorted(set(tags) & GREEN_TAGS):
        reasons.append(tag if tag != ResidentTag.Tag.ELDERLY_ALONE else "elderly")
    return sorted(set(reasons))


def clean_visitor(data: dict) -> dict:
    """Name, ID number and phone of a person not in the ledger; raises ScreeningError."""
    name = " ".join(str(data.get("name") or "").split())[:60]
    raw_id = str(data.get("id_number") or "").strip()
    raw_phone = str(data.get("phone") or "").strip()
    if not name:
        raise ScreeningError("visitor_name", _("A visitor's name is required."))
    number = parse_id(raw_id).number if raw_id else ""
    try:
        phone = phones.normalise(raw_phone) if raw_phone else ""
    except phones.PhoneError as exc:
        raise ScreeningError("visitor_phone", str(exc)) from None
    if not number and not phone:
        raise ScreeningError("visitor_contact", _("Give the visitor's ID number or phone, so they can be reached."))
    return {"name": name, "id_number": number, "phone": phone, "address": str(data.get("address") or "")[:200],
            "needs_details": False, "ledger_resident": None}


def resolve_many(round_obj, items, *, interactive: bool, actor) -> list:
    """For each item's person part, a Person or a ScreeningError. ``items`` are dicts with one of
    ``resident`` (id), ``id_number``, ``pass`` or ``visitor`` (dict), and the confirmations
    ``confirm_visitor`` (register an out-of-scope resident or an unknown ID as a visitor).

    A resident outside the round's areas is a visitor here (docs/screening.md "What a desk may
    find"). When the acting user may not see that resident either, nothing of the other area's
    record is copied into the sample: a resident id answers "not in the ledger" (as if it did not
    exist), and a scanned ID card or pass registers a visitor with only what the person showed
    (the ID number scanned), the name and phone to be added at the desk."""
    today = timezone.localdate()
    out: list = [None] * len(items)
    by_id_hash: dict[str, list[int]] = {}
    by_pk: dict[int, list[int]] = {}
    parsed_ids: dict[int, idnumber.IDNumber] = {}
    for i, item in enumerate(items):
        try:
            if item.get("visitor"):
                fields = clean_visitor(item["visitor"])
                out[i] = Person(visitor_fields=fields, id_hash=lookup_hash("id", fields["id_number"]) if fields["id_number"] else "")
                if fields["id_number"]:
                    parsed_ids[i] = parse_id(fields["id_number"])
                    by_id_hash.setdefault(out[i].id_hash, []).append(i)
            elif item.get("resident"):
                try:
                    resident_id = int(item["resident"])
                except (TypeError, ValueError):
                    raise ScreeningError("unknown_resident", _("Unknown resident.")) from None
                by_pk.setdefault(resident_id, []).append(i)
            elif item.get("pass"):
                resident_id = passes.read(item["pass"])
                if resident_id is None:
                    raise ScreeningError("bad_pass", _("This QR code is not a valid resident pass. Scan the ID card or type the name."))
                by_pk.setdefault(resident_id, []).append(i)
            elif item.get("id_number"):
                parsed = parse_id(item["id_number"])
                parsed_ids[i] = parsed
                by_id_hash.setdefault(lookup_hash("id", parsed.number), []).append(i)
            else:
                raise ScreeningError("no_person", _("Scan an ID card or a pass, or choose a person."))
        except ScreeningError as exc:
            out[i] = exc

    residents = _fetch_refs(by_pk, by_id_hash)
    hash_to_resident = {}
    for r in residents.values():
        # One ID number on two ledger entries (a person who moved and was entered again): the
        # entry inside the round's areas is the one this desk is sampling.
        if r.id_number_hash and (r.id_number_hash not in hash_to_resident or round_obj.covers(r.area_path)):
            hash_to_resident[r.id_number_hash] = r

    for pk, indexes in by_pk.items():
        for i in indexes:
            out[i] = Person(resident=residents[pk]) if pk in residents else ScreeningError(
                "unknown_resident", _("This person is not in the ledger (any more). Register them as a visitor."))
    for id_hash, indexes in by_id_hash.items():
        for i in indexes:
            if isinstance(out[i], Person) and out[i].visitor_fields is not None:
                # A visitor form whose ID turns out to be in the ledger: the resident it is.
                resident = hash_to_resident.get(id_hash)
                if resident is not None and round_obj.covers(resident.area_path):
                    out[i] = Person(resident=resident)
                continue
            resident = hash_to_resident.get(id_hash)
            if resident is not None:
                out[i] = Person(resident=resident)
            elif interactive and not items[i].get("confirm_visitor"):
                out[i] = Conflict(
                    "not_in_ledger", _("This ID number is not in the ledger: register the person as a visitor (name and phone)."),
                    {"id_masked": idnumber.mask(parsed_ids[i].number)})
            else:
                out[i] = Person(
                    visitor_fields={"name": "", "id_number": parsed_ids[i].number, "phone": "", "address": "",
                                    "needs_details": True, "ledger_resident": None},
                    id_hash=id_hash,
                    warnings=[_("Not in the ledger: registered as a visitor; add the name and phone later.")],
                )

    for i, person in enumerate(out):
        if not isinstance(person, Person):
            continue
        if person.resident is not None:
            r = person.resident
            if not round_obj.covers(r.area_path):
                visible = user_can(actor, "view", r.area_path)
                if not visible and items[i].get("resident") and not items[i].get("id_number"):
                    out[i] = ScreeningError(
                        "unknown_resident", _("This person is not in the ledger (any more). Register them as a visitor."))
                    continue
                full = Resident.objects.select_related("household__area").get(pk=r.pk)
                if interactive and not items[i].get("confirm_visitor"):
                    if visible:
                        area = full.household.area.full_name()
                        out[i] = Conflict(
                            "out_of_scope",
                            _("%(name)s lives outside this round's areas (%(area)s). Confirm to register them as a visitor.")
                            % {"name": mask_name(r.name), "area": area}, {"resident_id": r.pk, "area": area})
                    else:
                        out[i] = Conflict(
                            "out_of_scope",
                            _("%(name)s lives outside this round's areas and yours. Confirm to register them as a visitor.")
                            % {"name": mask_name(r.name)}, {})
                    continue
                scanned = parsed_ids[i].number if i in parsed_ids else ""
                if visible:
                    fields = {"name": full.name, "id_number": full.id_number, "phone": full.phone,
                              "address": str(full.household), "needs_details": False}
                else:
                    fields = {"name": "", "id_number": scanned, "phone": "", "address": "", "needs_details": True}
                out[i] = Person(
                    visitor_fields={**fields, "ledger_resident": full},
                    id_hash=lookup_hash("id", fields["id_number"]) if fields["id_number"] else "",
                    warnings=[_("Lives outside this round's areas: registered as a visitor.")],
                )
                person = out[i]
                person.green_reasons = green_reasons(None, r.birth_date, r.tags, today)
                continue
            person.green_reasons = green_reasons(r, None, r.tags, today)
        else:
            parsed = parsed_ids.get(i)
            person.green_reasons = green_reasons(None, parsed.birth_date if parsed else None, [], today)
    return out


def earlier_samples(round_obj, persons) -> dict:
    """{person key: the live sample already taken in this round} for the given persons.

    Asked for every scan, and almost always answered "none": a hand-written query finds the
    ids, and only samples that exist are read as objects (for where and when)."""
    resident_ids = [p.resident.pk for p in persons if p.resident is not None]
    hashes = [p.id_hash for p in persons if p.resident is None and p.id_hash]
    S, V = Sample, Visitor
    found_ids = []
    live = f"s.{lean.column(S, 'round')} = %s AND s.{lean.column(S, 'counts')} = %s"
    if resident_ids:
        of_residents, params = lean.among(lean.column(S, 'resident', 's'), resident_ids)
        found_ids += [row[0] for row in lean.select(
            f"SELECT s.{lean.column(S, 'id')} FROM {lean.table(S)} s WHERE {live} AND {of_residents}",
            [round_obj.pk, True, *params], [None])]
    if hashes:
        of_hashes, params = lean.among(lean.column(V, 'id_number_hash', 'v'), hashes)
        found_ids += [row[0] for row in lean.select(
            f"SELECT s.{lean.column(S, 'id')} FROM {lean.table(S)} s "
            f"JOIN {lean.table(V)} v ON v.{lean.column(V, 'id')} = s.{lean.column(S, 'visitor')} "
            f"WHERE {live} AND {of_hashes}",
            [round_obj.pk, True, *params], [None])]
    found = {}
    if found_ids:
        for s in (Sample.objects.filter(pk__in=found_ids).select_related("tube", "desk__site", "visitor")
                  .order_by("created_at")):
            key = ("r", s.resident_id) if s.resident_id else ("v", s.visitor.id_number_hash)
            found.setdefault(key, s)
    return found


def where_when(sample) -> dict:
    place = str(sample.desk) if sample.desk_id else _("home sampling")
    local = timezone.localtime(sample.created_at)
    return {"tube": sample.tube.barcode, "slot": sample.slot, "where": place, "at": local.isoformat(timespec="seconds"),
            "at_display": local.strftime("%m-%d %H:%M")}
