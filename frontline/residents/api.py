"""/api/v1/residents (and /api/v1/households, see households_api.py): the residents ledger.

Scoped like every record: outside your areas is 404; visible but not allowed by your role is
403. ID numbers and phones are masked; ``POST /residents/{id}/reveal`` returns one in full to a
role holding ``reveal`` and writes an audit row. ``POST /residents/lookup {"id_number": …}`` is
the scanner path: an exact lookup through the keyed hash (a POST: an ID number never goes in a URL).
"""

import datetime
from typing import Annotated, Literal

from django.db.models import Case, Exists, OuterRef, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.params.functions import Query as QueryParam

from frontline.areas.models import Area
from frontline.core import idnumber, personal
from frontline.core.access import require
from frontline.core.apikit import (
    ERRORS,
    MAX_ID,
    NAME_PATTERN,
    BodyId,
    BodySchema,
    Conflict,
    HistoryEntryOut,
    HistoryPage,
    IdCursor,
    IsoDate,
    Limit,
    OptionalId,
    Out,
    PageMeta,
    RecordId,
    cursor_param,
    get_visible,
    history_entry,
    history_page,
    invalid,
    keyset_page,
    name_text,
    text,
)
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can

from . import services
from .models import Household, Resident
from .names import normalise_query
from .schemas import (
    ROW_FIELDS,
    Relation,
    ResidentOut,
    Sex,
    TagName,
    TagOut,
    resident_out,
    rows_from_values,
    tag_out,
)
from .schemas import Status as ResidentStatus

PREFIX = "residents"
router = Router(tags=["residents"])
# Further routers of this app, by prefix (frontline/api.py mounts them too).

# Documented shapes; the precise rules (birth date, check digit, mobile prefix) are checked by
# frontline.core.idnumber and phones, whose messages say which rule failed. Spaces, dashes,
# full-width digits and a lowercase x are accepted, as a scanner or a spreadsheet gives them.
ID_NUMBER_SHAPE = r"^[\s0-9０-９xXｘＸ-]*$"
PHONE_SHAPE = r"^[\s0-9０-９+＋().（）-]*$"


def id_number_field(default):
    return Field(
        default, max_length=40, json_schema_extra={"pattern": ID_NUMBER_SHAPE},
        description="GB 11643: 18 characters (17 digits and a digit or X) or a 15-digit old number. "
                    "The check digit and the birth date are verified; an error names the rule that failed.",
    )


def phone_field(default):
    return Field(default, max_length=30, json_schema_extra={"pattern": PHONE_SHAPE},
                 description="An 11-digit mobile (1[3-9]…) or a landline; +86 and separators are dropped.")


ReasonQuery = Annotated[str, QueryParam(..., max_length=300, pattern=NAME_PATTERN, description="Why; kept in the change log.")]
HISTORY_IN_DETAIL = 20
# The ledger's order: by area (its path), household, resident. A scoped page is then read from
# where the caller's subtree starts, whichever part of a city of a million it is; ordering by id
# alone made the database walk the residents of every other street first.
LEDGER_ORDER = ["household__area__path", "household_id", "id"]
ResidentCursor = cursor_param(3, path_first=True)


class TagIn(BodySchema):
    tag: TagName
    date: IsoDate | None = None
    detail: text(200) = ""


class ResidentDetail(ResidentOut):
    tags_detail: list[TagOut] = Field(description="Special groups with their dates and details.")
    address: str
    notes: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    may_change: bool
    may_delete: bool
    may_reveal: bool
    history: list[HistoryEntryOut] = Field(description=f"The latest {HISTORY_IN_DETAIL} changes; all of them at /history.")


class ResidentPage(PageMeta):
    items: list[ResidentOut]


class ResidentFilters(Schema):
    area: int | None = Field(None, ge=1, le=MAX_ID, description="Only residents in this area's subtree.")
    household: int | None = Field(None, ge=1, le=MAX_ID)
    tag: TagName | None = Field(None, description="Only members of this special group.")
    status: ResidentStatus | None = None
    sex: Sex | None = None
    age_min: int | None = Field(None, ge=0, le=150)
    age_max: int | None = Field(None, ge=0, le=150)
    q: text(100) | None = Field(
        None, description="Name or its beginning, full pinyin or initials (zhangsan, zs), phone tail (4 digits), "
                          "full phone, or ID number (exact).")


class ResidentIn(BodySchema):
    household_id: BodyId
    name: name_text(60)
    id_number: str = id_number_field("")
    phone: str = phone_field("")
    sex: Sex | None = Field(None, description="Only for a resident without an ID number (else derived from it).")
    birth_date: IsoDate | None = Field(None, description="Only for a resident without an ID number.")
    relation: Relation = Relation.OTHER
    status: ResidentStatus = ResidentStatus.PRESENT
    notes: text(2000, multiline=True) = ""
    tags: list[TagIn] = Field(default_factory=list, max_length=len(TagName.values))


class ResidentPatch(BodySchema):
    household_id: OptionalId = Field(None, description="Move the resident to this household.")
    name: name_text(60) | None = None
    id_number: str | None = id_number_field(None)
    phone: str | None = phone_field(None)
    sex: Sex | None = None
    birth_date: IsoDate | None = None
    relation: Relation | None = None
    status: ResidentStatus | None = None
    notes: text(2000, multiline=True) | None = None
    tags: list[TagIn] | None = Field(None, max_length=len(TagName.values), description="Replaces all special groups.")
    reason: text(300) = Field("", description="Why; required when the status changes.")


class RevealIn(BodySchema):
    field: Literal["id_number", "phone"]
    reason: name_text(300) = Field(description="Why you need it; kept in the audit log.")


class RevealOut(Out):
    field: str
    value: str


# --- helpers -----------------------------------------------------------------------------------

def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


# Name keys and special groups carry the path of the resident's area, so a filter by either is
# first read from its own index inside the caller's subtrees (``scope_q``), in area order:
#
# * for a page (no count), at most ``window(limit)`` members from where the page starts: the
#   residents of every area path before the last one read are then complete, and they are the
#   first of the list (which is ordered by area path first). Should the page come out short of
#   that window (other filters left too few), it is read again without a window.
# * otherwise (count=true, or again): up to SPARSE members are passed as ids (IN); a denser
#   filter is checked row by row along the subtree (EXISTS), where 50 matches turn up soon.
SPARSE = 3000


def window(limit: int) -> int:
    # Twice a page: enough that cutting at the last area path read still leaves a page (a unit
    # holds about 190 residents, a few of them in any one group or with any one name), small
    # enough that the ids cost little to send (256 of them cost 4 ms more per request than 102).
    return max(64, 2 * (limit + 1))


def members_of(residents, members, *, start: str = "", size: int | None = None):
    """(``residents`` that have a row in ``members``, whether the members were cut at a window).

    ``members``: rows with a ``resident`` and an ``area_path``, already limited to the residents'
    subtrees. ``start``: the area path the page starts at (its cursor's). ``size``: read at most
    this many members in area order (a window for one page), or None for all of them.
    """
    if start:
        members = members.filter(area_path__gte=start)
    if size is not None:
        rows = list(members.order_by("area_path").values_list("resident_id", "area_path")[: size + 1])
        if len(rows) > size:
            last = rows[-1][1]
            return residents.filter(pk__in={pk for pk, path in rows if path < last}), True
        return residents.filter(pk__in={pk for pk, _path in rows}), False
    ids = list(members.order_by().values_list("resident_id", flat=True)[: SPARSE + 1])
    if len(ids) <= SPARSE:
        # The ids themselves, not a subquery: the planner then knows it has a handful of rows
        # to start from (it misjudges how many residents a deep subtree holds, and walked all).
        return residents.filter(pk__in=set(ids)), False
    # Inside CASE the EXISTS stays a check per row: a bare EXISTS PostgreSQL would turn into a
    # join, and it then drove from the thousands of members (misjudging the subtree's size).
    member = Case(When(Exists(members.filter(resident=OuterRef("pk"))), then=Value(True)), default=Value(False))
    return residents.alias(is_member=member).filter(is_member=True), False


def search(residents, text: str, *, start: str = "", size: int | None = None):
    """Resident.objects.search, with the name and pinyin cases joined as members_of() decides.
    Returns (residents, whether cut at a window)."""
    text = text.strip()
    cleaned = idnumber.clean_raw(text)
    if cleaned.isdigit() or (len(cleaned) >= 15 and cleaned[:15].isdigit()):
        return residents.search(text), False  # ID number, phone, phone tail: exact lookups by hash or tail
    key = normalise_query(text) if text.isascii() else text.replace(" ", "")
    if not key:
        return residents.none(), False
    return members_of(residents, residents.name_key_rows(key), start=start, size=size)


def _visible(user, pk) -> Resident:
    return get_visible(Resident.objects.select_related("household__area"), user, pk=pk)


def resident_detail(user, r: Resident) -> dict:
    path = r.household.area.path
    tags = list(r.tags.all().order_by("tag"))
    entries = AuditEntry.objects.filter(model=r._meta.label_lower, object_id=str(r.pk)).order_by("-id")
    return {
        **resident_out(r, tags=[t.tag for t in tags]),
        "tags_detail": [tag_out(t) for t in tags],
        "address": f"{r.household.area.full_name()} {r.household.room}",
        "notes": r.notes, "created_at": r.created_at, "updated_at": r.updated_at,
        "may_change": user_can(user, "change", path),
        "may_delete": user_can(user, "delete", path),
        "may_reveal": user_can(user, "reveal", path),
        "history": [history_entry(e) for e in entries[:HISTORY_IN_DETAIL]],
    }


def _check_id_number(raw: str, *, exclude_pk=None) -> None:
    """422 naming the rule (format, date, check) for a bad number; 409 when another resident holds it."""
    if not raw:
        return
    try:
        number = idnumber.parse(raw).number
    except idnumber.IDNumberError as exc:
        raise invalid("id_number", exc.message, exc.rule) from None
    twin = Resident.objects.by_id_number(number).exclude(pk=exclude_pk)
    if twin.exists():
        raise Conflict(_("Another resident already has this ID number."))


def _check_birth_date(value: datetime.date | None) -> None:
    if value is not None and not (datetime.date(1880, 1, 1) <= value <= timezone.localdate()):
        raise invalid("birth_date", _("The birth date %(d)s is impossible.") % {"d": value.isoformat()}, "date")


def _tags(items) -> list[dict]:
    return [{"tag": t.tag, "date": t.date, "detail": t.detail} for t in items]


# --- endpoints ---------------------------------------------------------------------------------

@router.get("", response={200: ResidentPage, **ERRORS}, summary="List residents")
def list_residents(request, filters: Query[ResidentFilters], cursor: ResidentCursor = None, limit: Limit = 50,
                   count: bool = False):
    """Residents in your scope, filtered, in the ledger's order (area, household), a page at a time.

    No total is computed unless ``count=true``: among a million residents the count costs more
    than the page.
    """
    user = request.user
    residents = Resident.objects.restrict(user)
    if filters.area:
        area = get_visible(Area.objects, user, pk=filters.area)
        residents = residents.in_area(area)
    if filters.household:
        residents = residents.filter(household_id=filters.household)
    if filters.status:
        residents = residents.filter(status=filters.status)
    if filters.sex:
        residents = residents.filter(sex=filters.sex)
    today = timezone.localdate()
    if filters.age_min is not None:
        residents = residents.filter(birth_date__lte=years_before(today, filters.age_min))
    if filters.age_max is not None:
        residents = residents.filter(birth_date__gt=years_before(today, filters.age_max + 1))
    start = cursor.split(".")[0] if cursor else ""

    def page(size):
        chosen, cut = residents, False
        if filters.tag:
            chosen, cut_tag = members_of(chosen, chosen.tag_rows(filters.tag), start=start, size=size)
            cut |= cut_tag
        if filters.q and filters.q.strip():
            chosen, cut_name = search(chosen, filters.q, start=start, size=size)
            cut |= cut_name
        found = keyset_page(request, chosen.values(*ROW_FIELDS), keys=LEDGER_ORDER, cursor=cursor, limit=limit,
                            count=count)
        return found, cut

    found, cut = page(None if count else window(limit))
    if cut and found["next_cursor"] is None:
        found, _cut = page(None)  # the window held too few for a page once the other filters applied
    return {**found, "items": rows_from_values(found.pop("rows"), today=today)}


class LookupIn(BodySchema):
    id_number: Annotated[str, Field(min_length=1, max_length=40, pattern=ID_NUMBER_SHAPE,
                                    description="The ID number as typed or scanned.")]


@router.post("/lookup", response={200: ResidentOut, **ERRORS}, summary="Find a resident by ID number")
def lookup(request, payload: LookupIn):
    """Exact lookup through the keyed hash (the scanner path). A malformed number answers 422 naming
    the rule that failed (format, date, check digit); nobody in your scope with it answers 404.
    The number goes in the body, never in the URL (URLs are logged)."""
    try:
        number = idnumber.parse(payload.id_number).number
    except idnumber.IDNumberError as exc:
        raise invalid("id_number", exc.message, exc.rule) from None
    # Hash the parsed number directly: by_id_number() would parse it a second time.
    found = (
        Resident.objects.restrict(request.user).filter(id_number_hash=personal.lookup_hash("id", number))
        .order_by().values(*ROW_FIELDS)[:1]
    )
    if not found:
        raise Http404
    return rows_from_values(found)[0]


@router.get("/{id}", response={200: ResidentDetail, **ERRORS}, summary="One resident")
def get_resident(request, id: RecordId):
    """Masked ID number and phone, special groups with dates, household, and the latest changes."""
    return resident_detail(request.user, _visible(request.user, id))


@router.get("/{id}/history", response={200: HistoryPage, **ERRORS}, summary="Change log of a resident")
def get_history(request, id: RecordId, cursor: IdCursor = None, limit: Limit = 50):
    return history_page(request, _visible(request.user, id), cursor=cursor, limit=limit)


@router.post("", response={201: ResidentDetail, **ERRORS}, summary="Create a resident")
def create_resident(request, payload: ResidentIn):
    """Needs ``change`` on the household's area. Sex and birth date come from the ID number when there is one."""
    household = get_visible(Household.objects.select_related("area"), request.user, pk=payload.household_id)
    require(request.user, "change", household.area.path)
    _check_id_number(payload.id_number)
    _check_birth_date(payload.birth_date)
    fields = payload.dict(exclude={"household_id", "tags"})
    if fields["sex"] is None:
        fields["sex"] = ""
    resident = services.create_resident(
        household=household, tags=_tags(payload.tags), actor=request.user, source="api", **fields,
    )
    return Status(201, resident_detail(request.user, _visible(request.user, resident.pk)))


@router.patch("/{id}", response={200: ResidentDetail, **ERRORS}, summary="Change a resident")
def update_resident(request, id: RecordId, payload: ResidentPatch):
    """Change fields, special groups (``tags`` replaces them all) or the household. A status
    change needs a ``reason``; it is kept in the change log with your name."""
    resident = _visible(request.user, id)
    require(request.user, "change", resident.household.area.path)
    fields = payload.dict(exclude_unset=True, exclude={"household_id", "tags", "reason"})
    fields = {k: v for k, v in fields.items() if v is not None or k == "birth_date"}
    if "id_number" in fields:
        _check_id_number(fields["id_number"], exclude_pk=resident.pk)
    if fields.get("id_number", resident.id_number):
        # Sex and birth date follow the ID number; they are only typed for people without one.
        fields.pop("sex", None)
        fields.pop("birth_date", None)
    _check_birth_date(fields.get("birth_date"))
    if "status" in fields and fields["status"] != resident.status and not payload.reason.strip():
        raise invalid("reason", _("A status change needs a reason."), "required")
    if payload.household_id is not None and payload.household_id != resident.household_id:
        household = get_visible(Household.objects.select_related("area"), request.user, pk=payload.household_id)
        require(request.user, "change", household.area.path)
        fields["household"] = household
    tags = _tags(payload.tags) if payload.tags is not None else None
    services.update_resident(resident, actor=request.user, source="api", tags=tags, reason=payload.reason.strip(),
                             **fields)
    return resident_detail(request.user, _visible(request.user, resident.pk))


@router.delete("/{id}", response={204: None, **ERRORS}, summary="Delete a resident")
def delete_resident(request, id: RecordId, reason: ReasonQuery):
    """Needs ``delete`` on the household's area and a reason."""
    resident = _visible(request.user, id)
    require(request.user, "delete", resident.household.area.path)
    services.delete_resident(resident, actor=request.user, source="api", reason=reason.strip())
    return Status(204, None)


@router.post("/{id}/reveal", response={200: RevealOut, **ERRORS}, summary="Reveal an ID number or phone")
def reveal(request, id: RecordId, payload: RevealIn):
    """The full value of one personal field. Needs the ``reveal`` action; every call writes an
    audit row with your name and reason."""
    resident = _visible(request.user, id)
    require(request.user, "reveal", resident.household.area.path)
    value = services.reveal(resident, payload.field, actor=request.user, source="api", reason=payload.reason.strip())
    return {"field": payload.field, "value": value}
