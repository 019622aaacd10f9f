"""/api/v1/households: dwellings in a unit, building or bungalow compound (mounted by residents/api.py)."""

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from frontline.areas.models import Area
from frontline.core.access import require
from frontline.core.apikit import (
    ERRORS,
    MAX_ID,
    BodyId,
    BodySchema,
    HistoryPage,
    IdCursor,
    Limit,
    OptionalId,
    Out,
    PageMeta,
    RecordId,
    conflict_from,
    cursor_param,
    get_visible,
    history_page,
    keyset_page,
    name_text,
    text,
)
from frontline.core.scoping import user_can

from . import services
from .models import Household, Resident
from .schemas import AreaRef, ResidentOut, area_ref, resident_rows

router = Router(tags=["households"])

Floor = Field(None, ge=-20, le=300, description="Floor; negative for basements.")


class HouseholdOut(Out):
    id: int
    room: str
    floor: int | None
    notes: str
    area: AreaRef


class HouseholdDetail(HouseholdOut):
    address: str = Field(description="The area's full name and the room.")
    residents: list[ResidentOut] = Field(description="Everyone in the household (ID numbers and phones masked).")
    may_change: bool
    may_delete: bool


class HouseholdPage(PageMeta):
    items: list[HouseholdOut]


class HouseholdFilters(Schema):
    area: int | None = Field(None, ge=1, le=MAX_ID, description="Only households in this area's subtree.")
    q: text(30) | None = Field(None, description="Room number, or its beginning.")


class HouseholdIn(BodySchema):
    area_id: BodyId = Field(description="A compound, building or unit.")
    room: name_text(30)
    floor: StrictInt | None = Floor
    notes: text(2000, multiline=True) = ""


class HouseholdPatch(BodySchema):
    area_id: OptionalId = Field(None, description="Move the household to this area.")
    room: name_text(30) | None = None
    floor: StrictInt | None = Floor
    notes: text(2000, multiline=True) | None = None


# The ledger's order: by area (its path), then household; a scoped page starts where the subtree does.
LEDGER_ORDER = ["area__path", "id"]
HouseholdCursor = cursor_param(2, path_first=True)


def household_out(h: Household) -> dict:
    return {"id": h.pk, "room": h.room, "floor": h.floor, "notes": h.notes, "area": area_ref(h.area)}


def household_detail(user, h: Household) -> dict:
    residents = Resident.objects.restrict(user).filter(household=h).order_by("id")
    path = h.area.path
    return {
        **household_out(h),
        "address": f"{h.area.full_name()} {h.room}",
        "residents": resident_rows(residents, household=h),
        "may_change": user_can(user, "change", path),
        "may_delete": user_can(user, "delete", path),
    }


def _visible(user, pk) -> Household:
    return get_visible(Household.objects.select_related("area"), user, pk=pk)


@router.get("", response={200: HouseholdPage, **ERRORS}, summary="List households")
def list_households(request, filters: Query[HouseholdFilters], cursor: HouseholdCursor = None, limit: Limit = 50,
                    count: bool = False):
    """Households in your scope in the order of the area tree, a page at a time (keyset pagination)."""
    households = Household.objects.restrict(request.user)
    households = households.select_related("area")
    if filters.area:
        area = get_visible(Area.objects, request.user, pk=filters.area)
        households = households.in_area(area)
    if filters.q and filters.q.strip():
        households = households.filter(room__startswith=filters.q.strip())
    page = keyset_page(request, households, keys=LEDGER_ORDER, cursor=cursor, limit=limit, count=count)
    return {**page, "items": [household_out(h) for h in page.pop("rows")]}


@router.get("/{id}", response={200: HouseholdDetail, **ERRORS}, summary="One household with its residents")
def get_household(request, id: RecordId):
    return household_detail(request.user, _visible(request.user, id))


@router.get("/{id}/history", response={200: HistoryPage, **ERRORS}, summary="Change log of a household")
def get_history(request, id: RecordId, cursor: IdCursor = None, limit: Limit = 50):
    return history_page(request, _visible(request.user, id), cursor=cursor, limit=limit)


@router.post("", response={201: HouseholdDetail, **ERRORS}, summary="Create a household")
def create_household(request, payload: HouseholdIn):
    """Needs ``change`` on the area, which must be a compound, a building or a unit."""
    area = get_visible(Area.objects, request.user, pk=payload.area_id)
    require(request.user, "change", area.path)
    household = services.create_household(
        area=area, room=payload.room, floor=payload.floor, notes=payload.notes, actor=request.user, source="api",
    )
    return Status(201, household_detail(request.user, household))


@router.patch("/{id}", response={200: HouseholdDetail, **ERRORS}, summary="Change a household")
def update_household(request, id: RecordId, payload: HouseholdPatch):
    household = _visible(request.user, id)
    require(request.user, "change", household.area.path)
    fields = payload.dict(exclude_unset=True)
    if fields.get("area_id") is not None:
        fields["area"] = get_visible(Area.objects, request.user, pk=fields["area_id"])
        require(request.user, "change", fields["area"].path)
    fields.pop("area_id", None)
    fields = {k: v for k, v in fields.items() if v is not None or k == "floor"}
    if "room" in fields:
        fields["room"] = fields["room"].strip()
    household = services.update_household(household, actor=request.user, source="api", **fields)
    return household_detail(request.user, _visible(request.user, household.pk))


@router.delete("/{id}", response={204: None, **ERRORS}, summary="Delete a household")
def delete_household(request, id: RecordId):
    """Needs ``delete`` on the area. A household that still has residents answers 409."""
    household = _visible(request.user, id)
    require(request.user, "delete", household.area.path)
    try:
        services.delete_household(household, actor=request.user, source="api")
    except ValidationError as exc:
        raise conflict_from(exc) from None
    return Status(204, None)
