"""Factories and the named actors used across the suite.

The world: 测试市 › 测试区 › 中城街道 › 八一西街社区 › 小区A / 小区B (each: 1号楼 › 1单元),
and a second community 邻社区 with 小区C that nobody in the community post may see.
"""

import datetime
import random

import factory

from frontline.accounts.models import RoleAssignment, User
from frontline.areas import services as area_services
from frontline.core import idnumber
from frontline.core.access import system_actor
from frontline.residents import services as resident_services

PASSWORD = "frontline-test-pw"

# The actor of the fixtures the factories build: recorded as "system:test" in the change log.
SYSTEM = system_actor("test")


def make_id_number(birth: datetime.date | None = None, sex: str | None = None, area: str = "610103", seq: int | None = None) -> str:
    """A valid 18-digit ID number (known area code 610103 = 西安市碑林区)."""
    rnd = random.Random(seq)
    birth = birth or datetime.date(1950, 1, 1) + datetime.timedelta(days=rnd.randrange(0, 25000))
    serial = rnd.randrange(0, 100) if seq is None else seq % 100
    odd = rnd.choice([1, 3, 5, 7, 9]) if sex == "M" else rnd.choice([0, 2, 4, 6, 8]) if sex == "F" else rnd.randrange(10)
    first17 = f"{area}{birth:%Y%m%d}{serial:02d}{odd}"
    return first17 + idnumber.check_digit(first17)


_seq = iter(range(1, 10**9))


def make_phone() -> str:
    return f"139{next(_seq):08d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user, role, area):
    RoleAssignment.objects.create(user=user, role=role, area=area)
    user.forget_scope()
    return user


def area(name, kind, parent=None, actor=SYSTEM):
    return area_services.create_area(name=name, kind=kind, parent=parent, actor=actor)


def household(area_obj, room="101", **kw):
    kw.setdefault("actor", SYSTEM)
    return resident_services.create_household(area=area_obj, room=room, **kw)


def resident(household_obj, name="张三", **kw):
    # Seeds far from the small ones tests pass to make_id_number(seq=...) themselves: the same seed
    # is the same number, and the shared counter would reach a test's seed in some orders.
    kw.setdefault("id_number", make_id_number(seq=1_000_000 + next(_seq)))
    kw.setdefault("actor", SYSTEM)
    return resident_services.create_resident(household=household_obj, name=name, **kw)


class World:
    """The named places and actors of the test suite."""

    def __init__(self):
        self.city = area("测试市", "city")
        self.district = area("测试区", "district", self.city)
        self.street = area("中城街道", "street", self.district)
        self.community = area("八一西街社区", "community", self.street)
        self.compound_a = area("小区A", "compound", self.community)
        self.building_a = area("1号楼", "building", self.compound_a)
        self.unit_a = area("1单元", "unit", self.building_a)
        self.compound_b = area("小区B", "compound", self.community)
        self.building_b = area("1号楼", "building", self.compound_b)
        self.unit_b = area("1单元", "unit", self.building_b)
        self.other_community = area("邻社区", "community", self.street)
        self.compound_c = area("小区C", "compound", self.other_community)
        self.unit_c = area("1单元", "unit", area("1号楼", "building", self.compound_c))

        self.household_a = household(self.unit_a, "101")
        self.household_b = household(self.unit_b, "202")
        self.household_c = household(self.unit_c, "303")
        self.resident_a = resident(self.household_a, "曾小明", phone="13912340001", relation="head")
        self.resident_b = resident(self.household_b, "李四", phone="13912340002", relation="head")
        self.resident_c = resident(self.household_c, "王五", phone="13912340003", relation="head")

        self.worker_a = grant(UserFactory(username="worker_a"), "community_worker", self.compound_a)
        self.worker_b = grant(UserFactory(username="worker_b"), "community_worker", self.compound_b)
        self.street_officer = grant(UserFactory(username="street_officer"), "street_officer", self.street)
        self.volunteer_a = grant(UserFactory(username="volunteer_a"), "volunteer", self.compound_a)
        self.outsider = UserFactory(username="outsider")
        self.admin = User.objects.create_superuser("admin", "", PASSWORD)
