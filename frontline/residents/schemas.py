"""API schemas of residents and households, and the functions that fill them.

Personal data leaves only masked: the ID number as 610103********123X, the phone as 139****1234.
The birth date is not shown either (the mask hides it on purpose); the age is.
"""

import datetime

from django.utils import timezone
from ninja import Field

from frontline.areas.schemas import AreaRef, area_ref
from frontline.core import personal
from frontline.core.apikit import Out

from .models import Household, Resident, ResidentTag

Sex = Resident.Sex
Status = Resident.Status
Relation = Resident.Relation
TagName = ResidentTag.Tag


class HouseholdRef(Out):
    id: int
    room: str
    floor: int | None
    area: AreaRef


class TagOut(Out):
    tag: TagName
    label: str
    date: datetime.date | None = Field(description="Due date for a pregnancy; next treatment for dialysis.")
    detail: str


class ResidentOut(Out):
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


def household_ref(h: Household) -> dict:
    return {"id": h.pk, "room": h.room, "floor": h.floor, "area": area_ref(h.area)}


def tags_by_resident(ids) -> dict[int, list[str]]:
    """{resident id: sorted tag names} in one query. Cheaper than prefetch_related, which builds
    a queryset per resident when read."""
    result = {pk: [] for pk in ids}
    rows = ResidentTag.objects.filter(resident_id__in=list(result)).order_by("tag").values_list("resident_id", "tag")
    for resident_id, tag in rows:
        result[resident_id].append(tag)
    return result


# What a list row needs, read as values: a page of 50 residents with household and area is then
# 150 model instances (and their unused columns) fewer to build. The ledger-order keys are here.
ROW_FIELDS = (
    "id", "name", "sex", "birth_date", "relation", "status", "id_number", "phone", "household_id",
    "household__room", "household__floor", "household__area_id", "household__area__name",
    "household__area__kind", "household__area__path",
)


def age_on(birth: datetime.date | None, today: datetime.date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def rows_from_values(values, *, today: datetime.date | None = None) -> list[dict]:
    """Output rows for residents read with ``.values(*ROW_FIELDS)``."""
    values = list(values)
    tags = tags_by_resident(v["id"] for v in values)
    today = today or timezone.localdate()
    return [
        {
            "id": v["id"], "name": v["name"], "sex": v["sex"] or None, "age": age_on(v["birth_date"], today),
            "relation": v["relation"], "status": v["status"],
            "id_number_masked": personal.mask_id_number(v["id_number"]), "phone_masked": personal.mask_phone(v["phone"]),
            "household": {
                "id": v["household_id"], "room": v["household__room"], "floor": v["household__floor"],
                "area": {"id": v["household__area_id"], "name": v["household__area__name"],
                         "kind": v["household__area__kind"]},
            },
            "tags": tags[v["id"]],
        }
        for v in values
    ]


def resident_rows(residents, *, household: Household | None = None, today: datetime.date | None = None) -> list[dict]:
    """Output rows for model instances (``household__area`` selected unless ``household`` given)."""
    residents = list(residents)
    tags = tags_by_resident(r.pk for r in residents)
    today = today or timezone.localdate()
    return [resident_out(r, tags=tags[r.pk], household=household, today=today) for r in residents]


def resident_out(r: Resident, *, tags: list[str], household: Household | None = None,
                 today: datetime.date | None = None) -> dict:
    household = household or r.household
    return {
        "id": r.pk, "name": r.name, "sex": r.sex or None, "age": r.age(today or timezone.localdate()),
        "relation": r.relation, "status": r.status,
        "id_number_masked": r.id_number_masked, "phone_masked": r.phone_masked,
        "household": household_ref(household),
        "tags": tags,
    }


def tag_out(t: ResidentTag) -> dict:
    return {"tag": t.tag, "label": str(t.get_tag_display()), "date": t.date, "detail": t.detail}
