"""Who is at the gate: from whatever the scanner or the staff typed into the one input.

Order: a resident's QR, a paper pass QR, an ID number, a phone, a name or pinyin. Only residents
of the gate's own compound are found; anyone else goes to the visitor flow (never a crash).
"""

import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import idnumber, lean, personal, phones
from frontline.residents.models import Household, Resident

from . import tokens
from .models import Pass


@dataclass
class Identity:
    method: str = ""
    resident: Resident | None = None
    household: object = None
    gate_pass: Pass | None = None
    members: list = field(default_factory=list)  # a paper pass: the household's residents to choose from
    candidates: list = field(default_factory=list)  # a name matching several residents
    error_rule: str = ""  # qr_invalid, qr_expired, pass_revoked, pass_expired, id_invalid, ...
    error: str = ""
    id_number: str = ""  # a valid ID number not found here, for the visitor form
    phone: str = ""

    @property
    def status(self) -> str:
        if self.error_rule:
            return "refused" if self.error_rule in REFUSING_ERRORS else "error"
        if self.resident is not None:
            return "resident"
        if self.members:
            return "choose_member"
        if self.candidates:
            return "choose"
        return "unknown"


# Identification errors that are a refusal at the gate (logged as a refused passage when recorded);
# the others (a mistyped ID number) ask the staff to type again.
REFUSING_ERRORS = {"qr_invalid", "qr_expired", "pass_revoked", "pass_expired", "pass_not_yet_valid", "pass_other_compound"}
_PASS_REASONS = {
    "revoked": ("pass_revoked", lambda p: _("Pass %(n)s was revoked: %(r)s") % {"n": p.number, "r": p.revoke_reason}),
    "expired": ("pass_expired", lambda p: _("Pass %(n)s expired on %(d)s.") % {
        "n": p.number, "d": timezone.localtime(p.valid_until).strftime("%Y-%m-%d %H:%M")}),
    "not_yet_valid": ("pass_not_yet_valid", lambda p: _("Pass %(n)s is valid only from %(d)s.") % {
        "n": p.number, "d": timezone.localtime(p.valid_from).strftime("%Y-%m-%d %H:%M")}),
}
MAX_CANDIDATES = 8


GONE = ("moved_out", "deceased")


def _residents(compound):
    return Resident.objects.in_area(compound).exclude(status__in=GONE).select_related("household__area")


def _here(compound, residents):
    """Of residents found by an exact key (its own index), those living in ``compound``.

    Filtering by the key first and by the compound in Python keeps the lookup one index probe;
    joined with the area range, the planner may walk every household of the compound instead.
    """
    return [r for r in residents if r.status not in GONE and r.household.area.path.startswith(compound.path)]


# What the gate needs of a resident (the decision, the passage, the answer); the rest is deferred.
_LEAN = ["id", "household_id", "name", "id_number", "id_number_hash", "phone_hash", "relation", "birth_date", "status"]


def _by_key(column: str, value, limit: int) -> list[Resident]:
    """Residents whose ``column`` equals ``value`` (an indexed exact key), with their household
    and its area path, in one hand-written query (lean.py): the gate's identify step runs on
    every passage. Same rows and order as the ORM's ``filter(column=value)[:limit]``."""
    sql = (
        f"SELECT {lean.cols(Resident, _LEAN, 'r')}, h.{lean.column(Household, 'area')}, a.{lean.column(Area, 'path')} "
        f"FROM {lean.table(Resident)} r "
        f"JOIN {lean.table(Household)} h ON h.{lean.column(Household, 'id')} = r.{lean.column(Resident, 'household')} "
        f"JOIN {lean.table(Area)} a ON a.{lean.column(Area, 'id')} = h.{lean.column(Household, 'area')} "
        f"WHERE r.{lean.column(Resident, column)} = %s "
        f"ORDER BY r.{lean.column(Resident, 'household')}, r.{lean.column(Resident, 'id')} LIMIT {int(limit)}"
    )
    found = []
    for row in lean.select(sql, [value], [*lean.fields(Resident, _LEAN), None, None]):
        resident = lean.instance(Resident, _LEAN, row[: len(_LEAN)])
        household = lean.instance(Household, ["id", "area_id"], [resident.household_id, row[-2]])
        household.area = lean.instance(Area, ["id", "path"], row[-2:])
        resident.household = household
        found.append(resident)
    return found


def identify(gate, raw: str = "", *, resident_id: int | None = None, now=None) -> Identity:
    now = now or timezone.now()
    compound = gate.compound
    raw = (raw or "").strip()
    if raw and tokens.kind_of(raw) == tokens.PASS:
        ident = _from_pass(compound, raw, now)
        if resident_id and not ident.error_rule:
            chosen = next((m for m in ident.members if m.pk == resident_id), None)
            if chosen is not None:
                ident.resident, ident.household = chosen, chosen.household
        return ident
    if resident_id:
        found = _here(compound, _by_key("id", int(resident_id), 1))
        resident = found[0] if found else None
        if resident is not None and not _typed_value_fits(resident, raw):
            # Offline the screen matched a typed ID number or phone on its last four only (the
            # snapshot holds no more): the typed value, not the pick, says who passed.
            return _from_id_number(compound, raw) if _method_for(raw) == "id_number" else _from_phone(compound, raw)
        if resident is not None:
            return Identity(method=_method_for(raw) or "name", resident=resident, household=resident.household)
        return Identity()
    if not raw:
        return Identity()
    if tokens.kind_of(raw) is not None:
        return _from_resident_token(compound, raw)
    cleaned = idnumber.clean_raw(raw)
    if re.fullmatch(r"\d{13,}[\dX]", cleaned) and not cleaned.startswith("0086"):
        return _from_id_number(compound, raw)
    if re.fullmatch(r"[+\d][\d\s\-()]*", raw) and len(re.sub(r"\D", "", raw)) >= 11:
        return _from_phone(compound, raw)
    return _from_name(compound, raw)


def _method_for(raw):
    if not raw:
        return ""
    cleaned = idnumber.clean_raw(raw)
    if len(cleaned) >= 15 and cleaned[:15].isdigit():
        return "id_number"
    if cleaned.isdigit():
        return "phone"
    return "name"


def _typed_value_fits(resident, raw) -> bool:
    """Whether a typed full ID number or phone is the chosen resident's (anything else fits)."""
    method = _method_for(raw)
    try:
        if method == "id_number":
            return resident.id_number_hash == personal.lookup_hash("id", idnumber.parse(raw).number)
        if method == "phone" and len(re.sub(r"\D", "", raw)) >= 11:
            return resident.phone_hash == personal.lookup_hash("phone", phones.normalise(raw))
    except (idnumber.IDNumberError, phones.PhoneError):
        return True  # a malformed value was refused before any pick
    return True


def _from_resident_token(compound, raw) -> Identity:
    try:
        kind, payload = tokens.read(raw)
    except tokens.TokenError as exc:
        return Identity(method="resident_qr", error_rule=exc.rule, error=exc.message)
    if kind != tokens.RESIDENT:
        return Identity(method="resident_qr", error_rule="qr_invalid", error=_("This QR code is not a person's gate code."))
    found = _here(compound, _by_key("id", payload["r"], 1)) if isinstance(payload.get("r"), int) else []
    resident = found[0] if found else None
    if resident is None:
        return Identity(method="resident_qr")  # lives elsewhere (or moved out): a visitor here
    return Identity(method="resident_qr", resident=resident, household=resident.household)


def _from_pass(compound, raw, now) -> Identity:
    try:
        _kind, payload = tokens.read(raw)
    except tokens.TokenError as exc:
        return Identity(method="pass_qr", error_rule=exc.rule, error=exc.message)
    gate_pass = Pass.objects.select_related("household__area").filter(pk=payload.get("p")).first()
    if gate_pass is None or gate_pass.household_id != payload.get("h"):
        return Identity(method="pass_qr", error_rule="qr_invalid", error=_("No such pass: it was deleted or the QR is not ours."))
    if not gate_pass.household.area.path.startswith(compound.path):  # before anything about that household
        return Identity(method="pass_qr", gate_pass=gate_pass, error_rule="pass_other_compound",
                        error=_("Pass %(n)s belongs to another compound.") % {"n": gate_pass.number})
    state = gate_pass.state(now)
    if state != "valid":
        rule, message = _PASS_REASONS[state]
        return Identity(method="pass_qr", gate_pass=gate_pass, household=gate_pass.household, error_rule=rule, error=message(gate_pass))
    members = list(_residents(compound).filter(household=gate_pass.household))
    ident = Identity(method="pass_qr", gate_pass=gate_pass, household=gate_pass.household, members=members)
    if len(members) == 1:
        ident.resident = members[0]
    return ident


def _from_id_number(compound, raw) -> Identity:
    try:
        parsed = idnumber.parse(raw)
    except idnumber.IDNumberError as exc:
        return Identity(method="id_number", error_rule="id_invalid", error=str(exc.message))
    found = _here(compound, _by_key("id_number_hash", personal.lookup_hash("id", parsed.number), MAX_CANDIDATES))
    resident = found[0] if found else None
    if resident is None:
        return Identity(method="id_number", id_number=parsed.number)
    return Identity(method="id_number", resident=resident, household=resident.household)


def _from_phone(compound, raw) -> Identity:
    try:
        number = phones.normalise(raw)
    except phones.PhoneError as exc:
        return Identity(method="phone", error_rule="phone_invalid", error=str(exc))
    found = _here(compound, _by_key("phone_hash", personal.lookup_hash("phone", number), 50))[:MAX_CANDIDATES]
    if len(found) == 1:
        return Identity(method="phone", resident=found[0], household=found[0].household)
    return Identity(method="phone", candidates=found, phone=number)


def _from_name(compound, raw) -> Identity:
    found = list(_residents(compound).search(raw)[: MAX_CANDIDATES + 1])
    if len(found) == 1:
        return Identity(method="name", resident=found[0], household=found[0].household)
    return Identity(method="name", candidates=found[:MAX_CANDIDATES])
