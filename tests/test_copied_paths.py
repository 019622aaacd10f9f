"""Hole 5: every copied area path follows a move (core.paths, the registry of CopiedPath).

One record of EVERY registered copy is made for resident 曾小明 of 小区A (and its sampling site);
then 小区A moves to the other community, or the resident moves to a household of 小区C, or the
household moves to 小区C's unit. Each record is checked from both sides: the old area's staff no
longer see it through ``restrict()``, the new area's staff do. A model with an ``area_path``
column that no app declares fails the suite.
"""

import uuid

import pytest
from django.apps import apps

from frontline.areas import services as area_services
from frontline.core.models import Alert, AuditEntry
from frontline.core.registry import copied_paths
from frontline.residents import services
from frontline.residents.models import Household, NameKey, Resident, ResidentTag
from frontline.screening.models import (
    Bag,
    ControlFlag,
    Exemption,
    HomeTask,
    RetestItem,
    Sample,
    Tube,
    Visitor,
)
from frontline.screening.tests.conftest import Screening, tube_code
from tests.factories import UserFactory, grant, make_id_number

pytestmark = pytest.mark.django_db


def test_every_model_with_an_area_path_declares_its_copy():
    declared = {c.model.lower() for c in copied_paths()}
    copying = {m._meta.label_lower for m in apps.get_models()
               if any(f.name == "area_path" for f in m._meta.concrete_fields)}
    assert copying - declared == set(), "declare these on their app's AppConfig.copied_paths"
    for copy in copied_paths():  # and every declaration names a real column and real sources
        model = apps.get_model(copy.model)
        model._meta.get_field(copy.field)
        for source in copy.sources:
            model.objects.values(source).query.get_compiler("default").as_sql()


class Records:
    """One row of each registered copy, all about resident_a (or her compound's site)."""

    def __init__(self, world):
        s = Screening(world)
        r, h, site = world.resident_a, world.household_a, s.site_a
        services.update_resident(r, tags=["bedridden"], actor=world.worker_a)
        home, at_site = h.area.path, site.area.path
        rnd = s.round
        site_tube = Tube.objects.create(barcode=tube_code(), round=rnd, site=site, capacity=10, area_path=at_site)
        home_tube = Tube.objects.create(barcode=tube_code(), round=rnd, site=None, capacity=1, area_path=home)
        site_sample = Sample.objects.create(round=rnd, tube=site_tube, slot=1, resident=r, area_path=at_site)
        home_sample = Sample.objects.create(round=rnd, tube=home_tube, slot=1, resident=r, area_path=home,
                                            source="home")
        visitor = Visitor.objects.create(round=rnd, name="访客", area_path=at_site)
        Sample.objects.create(round=rnd, tube=site_tube, slot=2, visitor=visitor, area_path=at_site,
                              client_id=uuid.uuid4())
        self.site_bound = {
            "screening.tube": site_tube,
            "screening.sample": site_sample,
            "screening.bag": Bag.objects.create(barcode="BAG0001", round=rnd, site=site, area_path=at_site),
            "screening.visitor": visitor,
            "screening.controlflag": ControlFlag.objects.create(area=world.unit_a, reason="阳性", tube=site_tube,
                                                                area_path=world.unit_a.path),
            "core.alert": Alert.objects.create(kind="screening.positive_pool", key="k1", area_path=world.unit_a.path,
                                               message="Positive pool"),
        }
        self.resident_bound = {
            "residents.namekey": NameKey.objects.filter(resident=r).first(),
            "residents.residenttag": ResidentTag.objects.get(resident=r),
            "screening.exemption": Exemption.objects.create(round=rnd, resident=r, reason="hospital", area_path=home),
            "screening.hometask": HomeTask.objects.create(round=rnd, resident=r, reason="bedridden", status="done",
                                                          sample=home_sample, area_path=home),
            "screening.retestitem": RetestItem.objects.create(tube=site_tube, sample=site_sample, household=h,
                                                              area_path=home),
        }
        self._other_apps(r, home)
        # A home-sampling tube and its sample have no site: they belong to the resident's area.
        self.home = {"screening.tube": home_tube, "screening.sample": home_sample}
        self.history = {"core.auditentry": AuditEntry.objects.get(model="residents.resident", object_id=str(r.pk),
                                                                  action="create")}
        built = set(self.site_bound) | set(self.resident_bound) | set(self.history)
        assert built == {c.model.lower() for c in copied_paths()}, "a registered copy has no record in this test"

    def _other_apps(self, r, home):
        """Copies declared by apps built beside this one (each added here when it lands)."""
        import datetime

        from django.utils import timezone

        try:
            case_model = apps.get_model("isolation", "IsolationCase")
        except LookupError:
            return
        now = timezone.now()
        self.resident_bound["isolation.isolationcase"] = case_model.objects.create(
            resident=r, reason="close_contact", start=now, planned_end=now + datetime.timedelta(days=7), area_path=home)

    def everything(self):
        rows = [*self.site_bound.items(), *self.resident_bound.items(), *self.home.items(), *self.history.items()]
        return rows


def visible(user, label, obj) -> bool:
    model = apps.get_model(label)
    return model.objects.restrict(user).filter(pk=obj.pk).exists()


def staff(area):
    return grant(UserFactory(), "community_worker", area)


@pytest.fixture
def records(world):
    return Records(world)


def check(rows, *, seen_by, hidden_from):
    for label, obj in rows:
        assert visible(seen_by, label, obj), f"{label} #{obj.pk} not seen by the new area's staff"
        assert not visible(hidden_from, label, obj), f"{label} #{obj.pk} still seen by the old area's staff"


def test_moving_a_compound_moves_every_copy(world, records):
    old_side, new_side = staff(world.community), staff(world.other_community)
    for label, obj in records.everything():
        assert visible(old_side, label, obj) and not visible(new_side, label, obj), label

    area_services.move_area(world.compound_a, world.other_community, actor=world.street_officer)

    new_path = type(world.compound_a).objects.get(pk=world.compound_a.pk).path
    for label, obj in records.everything():
        obj.refresh_from_db()
        assert obj.area_path.startswith(new_path), label
    check(records.everything(), seen_by=new_side, hidden_from=old_side)
    assert Resident.objects.restrict(new_side).filter(pk=world.resident_a.pk).exists()


@pytest.mark.parametrize("how", ["resident", "household"])
def test_moving_a_resident_or_her_household_moves_what_belongs_to_her(world, records, how):
    old_side, new_side = staff(world.compound_a), staff(world.compound_c)
    if how == "resident":
        services.update_resident(world.resident_a, household=world.household_c, actor=world.street_officer)
        target = world.household_c.area.path
    else:
        services.update_household(world.household_a, area=world.unit_c, actor=world.street_officer)
        target = world.unit_c.path

    follows = [*records.resident_bound.items(), *records.home.items()]
    for label, obj in follows:
        obj.refresh_from_db()
        assert obj.area_path == target, label
    check(follows, seen_by=new_side, hidden_from=old_side)
    # What belongs to the sampling site (or the flagged unit) stays with it.
    check(records.site_bound.items(), seen_by=old_side, hidden_from=new_side)
    # The change log keeps where the record was when it changed (see core/apps.py).
    check(records.history.items(), seen_by=old_side, hidden_from=new_side)


def test_the_admin_moves_every_copy(world, records, client):
    client.force_login(world.admin)
    household = Household.objects.get(pk=world.household_a.pk)
    response = client.post(f"/admin/residents/household/{household.pk}/change/", {
        "area": world.unit_c.pk, "room": household.room, "floor": "", "notes": ""})
    assert response.status_code == 302, response.content[:2000]
    for label, obj in [*records.resident_bound.items(), *records.home.items()]:
        obj.refresh_from_db()
        assert obj.area_path == world.unit_c.path, label


def test_the_import_moves_every_copy(world, records, tmp_path):
    from frontline.residents.ledger import import_ledger
    from frontline.residents.tests.ledger_files import row, write_xlsx

    r = Resident.objects.get(pk=world.resident_a.pk)
    r.id_number = make_id_number(seq=77)
    r.save()
    path = write_xlsx(tmp_path / "m.xlsx", [row(r.name, r.id_number, compound="小区B", room="909")])
    result = import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False, create_missing=True)
    assert result.updated == 1
    moved = Resident.objects.select_related("household__area").get(pk=r.pk).household.area.path
    assert moved.startswith(world.compound_b.path)
    for label, obj in [*records.resident_bound.items(), *records.home.items()]:
        obj.refresh_from_db()
        assert obj.area_path == moved, label

