"""API schemas of residents and households, and the functions that fill them.

Personal data leaves only masked: the ID number as 610103********123X, the phone as 139****1234.
The birth date is not shown either (the mask hides it on purpose); the age is.
"""

import datetime

from django.utils import timezone
from ninja import Field, Schema

from frontline.areas.models import Area

from .models import Household, Resident, ResidentTag

Sex = Resident.Sex
Status = Resident.Status
Relation = Resident.Relation
TagName = ResidentTag.Tag


class AreaRef(Schema):
    id: int
    name: str
    kind: Area.Kind


class HouseholdRef(Schema):
    id: int
    room: str
    floor: int | None
    area: AreaRef


class TagOut(Schema):
    tag: TagName
    label: str
    date: datetime.date | None = Field(description="Due date for a pregnancy; next treatment for dialysis.")
    detail: str


class ResidentOut(Schema):
    id: int
    name: str
    sex: Sex | None
    age: int | None
    relation: Relation
    status: Status
    id_number_masked: str = Field(description="e.g. 610103********123X; empty when unknown.")
    phone_masked: str = Field(description="e.g. 139****1234; empty when unknown.")
    household: HouseholdRef
    tags: list[TagName]


def area_ref(area: Area) -> dict:
    return {"id": area.pk, "name": area.name, "kind": area.kind}


def household_ref(h: Household) -> dict:
    return {"id": h.pk, "room": h.room, "floor": h.floor, "area": area_ref(h.area)}


def resident_out(r: Resident, *, household: Household | None = None, today: datetime.date | None = None) -> dict:
    """``r.tags`` should be prefetched and ``r.household.area`` selected, or one query each follows."""
    household = household or r.household
    return {
        "id": r.pk, "name": r.name, "sex": r.sex or None, "age": r.age(today or timezone.localdate()),
        "relation": r.relation, "status": r.status,
        "id_number_masked": r.id_number_masked, "phone_masked": r.phone_masked,
        "household": household_ref(household),
        "tags": sorted(t.tag for t in r.tags.all()),
    }


def tag_out(t: ResidentTag) -> dict:
    return {"tag": t.tag, "label": str(t.get_tag_display()), "date": t.date, "detail": t.detail}
