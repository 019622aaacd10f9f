"""Isolation records are scoped like every record; a moved household or area takes its cases along."""

from frontline.areas import services as area_services
from frontline.isolation import services
from frontline.isolation.models import CheckIn, IsolationCase, IsolationSite, Transfer
from frontline.residents import services as resident_services


def test_cases_checkins_transfers_in_and_out_of_scope(world, case_a, site_a):
    services.record_checkin(case_a, temperature="36.5", actor=world.worker_a)
    services.transfer(case_a, site=site_a, actor=world.worker_a)
    for model in (IsolationCase, CheckIn, Transfer):
        assert model.objects.restrict(world.worker_a).count() == 1
        assert model.objects.restrict(world.street_officer).count() == 1
        assert model.objects.restrict(world.worker_b).count() == 0
        assert model.objects.restrict(world.outsider).count() == 0


def test_a_street_site_is_usable_below_it(world, site_a):
    assert list(IsolationSite.objects.restrict(world.worker_a)) == [site_a]
    assert list(IsolationSite.objects.restrict(world.outsider)) == []


def test_moving_the_household_or_its_area_moves_the_case(world, case_a):
    resident_services.update_household(world.household_a, area=world.unit_b, actor=world.street_officer)
    case = IsolationCase.objects.get(pk=case_a.pk)
    assert case.area_path == world.unit_b.path
    assert IsolationCase.objects.restrict(world.worker_b).count() == 1 and IsolationCase.objects.restrict(world.worker_a).count() == 0
    old = world.unit_b.path
    area_services.move_area(world.compound_b, world.other_community, actor=world.street_officer)
    world.unit_b.refresh_from_db()
    assert world.unit_b.path != old and IsolationCase.objects.get(pk=case_a.pk).area_path == world.unit_b.path
    world.worker_b.forget_scope()
    assert IsolationCase.objects.restrict(world.worker_b).count() == 1
