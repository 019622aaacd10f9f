"""Bulk building of areas, households and residents for the demo and the benchmarks.

Ids are assigned here (above the current maximum), so materialized paths, households and
residents are known before anything is written and every table is filled with a few large
bulk inserts. PostgreSQL's sequences are moved past the new ids at the end. Personal fields are
encrypted and hashed by the model fields' pre_save, as for any other write.
"""

import random

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from frontline.areas.models import PATH_CHUNK, Area
from frontline.core.dbstats import refresh_statistics
from frontline.residents.models import Household, NameKey, Resident, ResidentTag
from frontline.residents.services import name_keys_for

from . import people

RELATIONS = ["head", "spouse", "child", "child", "parent", "grandchild"]


class BulkBuilder:
    def __init__(self, *, seed=2022, county_codes=None, flush_every=20_000):
        self.rnd = random.Random(seed)
        self.today = timezone.localdate()
        self.ids = people.IDNumbers(county_codes or people.AREA_CODES["xian"])
        self.flush_every = flush_every
        self.next_id = {}
        self.areas, self.households, self.residents, self.tags = [], [], [], []
        self.counts = {"areas": 0, "households": 0, "residents": 0}

    def _take(self, model):
        # Read lazily and again after every flush: others (services) may have added rows since.
        if model not in self.next_id:
            self.next_id[model] = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        value = self.next_id[model]
        self.next_id[model] += 1
        return value

    def area(self, name, kind, parent=None) -> Area:
        pk = self._take(Area)
        path = (parent.path if parent else "") + str(pk).zfill(PATH_CHUNK)
        area = Area(id=pk, name=name, kind=kind, parent=parent, path=path, depth=len(path) // PATH_CHUNK - 1)
        self.areas.append(area)
        return area

    def household(self, area, room, floor=None, size=None) -> list[Resident]:
        """A household with ``size`` people (random 1–5 if not given); returns its residents."""
        household = Household(id=self._take(Household), area=area, room=room, floor=floor)
        self.households.append(household)
        size = size or self.rnd.choices([1, 2, 3, 4, 5], weights=[14, 28, 30, 18, 10])[0]
        members = []
        for position in range(size):
            members.append(self.person(household, position, size))
        if len(self.residents) >= self.flush_every:
            self.flush()
        return members

    def person(self, household, position, size) -> Resident:
        rnd = self.rnd
        age = people.random_age(rnd) if position else rnd.randrange(25, 90)
        if size == 1:
            age = max(age, 20)
        sex = rnd.choice("MF")
        birth = people.birth_for_age(rnd, age, self.today)
        pk = self._take(Resident)
        resident = Resident(
            id=pk, household=household, name=people.name(rnd),
            id_number=self.ids.make(pk, birth, sex), sex=sex, birth_date=birth,
            phone=people.phone(pk) if age >= 14 else "",
            relation=RELATIONS[min(position, len(RELATIONS) - 1)],
            status="present" if position == 0 else people.status(rnd),
        )
        real_age = people.age_on(birth, self.today)
        for tag, date in people.tags_for(rnd, real_age, sex, size, self.today):
            self.tags.append(ResidentTag(resident_id=pk, tag=tag, date=date, area_path=household.area.path))
        self.residents.append(resident)
        return resident

    @transaction.atomic
    def flush(self):
        Area.objects.bulk_create(self.areas, batch_size=2000)
        Household.objects.bulk_create(self.households, batch_size=2000)
        Resident.objects.bulk_create(self.residents, batch_size=2000)
        ResidentTag.objects.bulk_create(self.tags, batch_size=2000)
        paths = {h.pk: h.area.path for h in self.households}
        NameKey.objects.bulk_create(name_keys_for(self.residents, paths), batch_size=5000)
        self.counts["areas"] += len(self.areas)
        self.counts["households"] += len(self.households)
        self.counts["residents"] += len(self.residents)
        self.areas, self.households, self.residents, self.tags = [], [], [], []
        if connection.vendor == "postgresql":  # explicit ids do not move the sequences
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Area, Household, Resident]):
                    cursor.execute(sql)
        self.next_id = {}

    def finish(self):
        self.flush()
        # Fresh statistics, or the planner reads a scoped page from the first resident of the city.
        refresh_statistics([Area, Household, Resident, ResidentTag, NameKey])
        return self.counts


def generate_city(residents: int, *, name=None, seed=7, street_residents=200_000, stdout=None):
    """A city of about ``residents`` people: districts (5 streets) › streets (about
    ``street_residents`` people) › communities (4 compounds) › compounds (10 buildings) ›
    buildings (2 units × 18 floors × 2 rooms, about 190 people). Returns (city, counts), or None
    when a city of that name exists already."""
    name = name or f"规模测试市{residents}"
    if Area.objects.filter(parent=None, name=name).exists():
        return None
    builder = BulkBuilder(seed=seed)
    city = builder.area(name, "city")
    per_building = 2 * 18 * 2 * 2.63  # rooms × mean household size
    buildings = max(1, round(residents / per_building))
    per_compound, per_community, per_district = 10, 4, 5
    communities_per_street = max(1, round(street_residents / (per_building * per_compound * per_community)))
    current = {}

    def level(kind, index, parent, label):
        if current.get(kind, (None,))[0] != index:
            current[kind] = (index, builder.area(label.format(index + 1), kind, parent))
        return current[kind][1]

    for b in range(buildings):
        compound_i = b // per_compound
        community_i = compound_i // per_community
        street_i = community_i // communities_per_street
        district = level("district", street_i // per_district, city, "第{}区")
        street = level("street", street_i, district, "第{}街道")
        community = level("community", community_i, street, "第{}社区")
        compound = level("compound", compound_i, community, "第{}小区")
        building = builder.area(f"{b % per_compound + 1}号楼", "building", compound)
        for u in (1, 2):
            unit = builder.area(f"{u}单元", "unit", building)
            for floor in range(1, 19):
                for room in (1, 2):
                    builder.household(unit, f"{floor}{room:02d}", floor)
        if stdout and b % 500 == 499:
            stdout.write(f"  {builder.counts['residents'] + len(builder.residents):,} residents")
    return city, builder.finish()
