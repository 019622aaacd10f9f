import datetime
import itertools
import uuid

import pytest
from django.utils import timezone

from tests.factories import SYSTEM, UserFactory, grant, household, make_id_number, resident

_tube_numbers = itertools.count(1)


def tube_code(prefix="HS") -> str:
    return f"{prefix}{next(_tube_numbers) + 20220000000:011d}"


def scan(desk, tube, **person):
    """One desk item as the browser queue sends it."""
    item = {"client_id": str(uuid.uuid4()), "client_time": timezone.now().isoformat(), "desk": desk.pk, "tube": tube}
    item.update(person)
    return item


class Screening:
    """A 10-in-1 round over 小区A and 小区B (not 小区C), open, with a site and a desk in each
    compound, a sampler on 小区A, a building leader on 小区A's 1号楼 and a lab with one account."""

    def __init__(self, world):
        from frontline.screening.models import Round
        from frontline.screening.services import rounds

        self.world = world
        now = timezone.now()
        self.round = rounds.create_round(
            name="第一轮", areas=[world.compound_a, world.compound_b], starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=23), pooling=Round.Pooling.TEN, actor=world.street_officer,
        )
        rounds.set_round_status(self.round, Round.Status.OPEN, actor=world.street_officer)
        self.site_a = rounds.add_site(self.round, area=world.compound_a, name="A区广场", actor=world.worker_a)
        self.site_b = rounds.add_site(self.round, area=world.compound_b, name="B区门口", actor=world.worker_b)
        self.desk_a = rounds.add_desk(self.site_a, name="1号台", actor=world.worker_a)
        self.desk_a2 = rounds.add_desk(self.site_a, name="2号台", actor=world.worker_a)
        self.desk_b = rounds.add_desk(self.site_b, name="1号台", actor=world.worker_b)
        self.sampler_a = grant(UserFactory(username="sampler_a"), "sampler", world.compound_a)
        rounds.assign_staff(self.desk_a, self.sampler_a, actor=world.worker_a)
        self.leader_a = grant(UserFactory(username="leader_a"), "building_leader", world.building_a)
        self.lab_user = grant(UserFactory(username="lab_user"), "lab", world.city)
        self.lab = rounds.create_lab(name="第一检测实验室", code="LAB1", members=[self.lab_user], actor=SYSTEM)
        self.other_lab_user = grant(UserFactory(username="other_lab_user"), "lab", world.city)
        self.other_lab = rounds.create_lab(name="第二检测实验室", code="LAB2", members=[self.other_lab_user], actor=SYSTEM)

    def people(self, n, household_obj=None, start=0, **kw):
        """``n`` more residents in 小区A (ten to a household), with valid ID numbers."""
        from frontline.residents.models import Household

        out = []
        for i in range(start, start + n):
            h = household_obj
            if h is None:
                room = f"{1001 + i // 10}"
                h = Household.objects.filter(area=self.world.unit_a, room=room).first() or household(self.world.unit_a, room=room)
            birth = datetime.date(1985, 1, 1) + datetime.timedelta(days=i)
            out.append(resident(h, name=f"居民{i:03d}", id_number=make_id_number(birth=birth, seq=i), **kw))
        return out


@pytest.fixture
def screening(world):
    return Screening(world)
