import datetime

import pytest
from django.utils import timezone

from frontline.staffing import services
from tests.factories import UserFactory, grant


@pytest.fixture(autouse=True)
def english(request):
    from django.utils import translation

    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def secretary(world):
    return grant(UserFactory(username="secretary_a"), "community_secretary", world.community)


class Staffing:
    """A community with a unit, a gate post needing 1 person in three 8-hour shifts, and
    ``n`` checked-in people."""

    def __init__(self, world, secretary, n=6):
        self.world = world
        self.actor = secretary
        self.unit = services.create_unit(area=world.community, name="市市场监管局", actor=secretary)
        self.post = services.create_post(area=world.compound_a, name="小区A东门", actor=secretary)
        for a, b in ((0, 8), (8, 16), (16, 0)):
            services.add_need(post=self.post, start=datetime.time(a), end=datetime.time(b), people=1, actor=secretary)
        self.members = []
        for i in range(n):
            self.add_member(f"干部{i}")
        self.monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())

    def add_member(self, name, **fields):
        m = services.create_member(area=self.world.community, name=name, unit=self.unit, actor=self.actor, **fields)
        services.check_in(member=m, community=self.world.community, received_by="薛书记",
                          at=timezone.now() - datetime.timedelta(days=1), actor=self.actor)
        self.members.append(m)
        return m

    def roster(self, days=7, **kw):
        return services.create_roster(area=self.world.community, starts_on=self.monday, days=days, actor=self.actor,
                                      time_limit=5, **kw)


@pytest.fixture
def staffing(world, secretary):
    return Staffing(world, secretary)
