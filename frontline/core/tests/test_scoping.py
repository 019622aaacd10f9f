import pytest

from frontline.areas.models import Area
from frontline.core.models import AuditEntry
from frontline.core.scoping import path_upper_bound, prefix_q
from frontline.residents.models import Household, Resident

pytestmark = pytest.mark.django_db


def test_worker_sees_only_own_compound(world):
    assert list(Resident.objects.restrict(world.worker_a)) == [world.resident_a]
    assert list(Resident.objects.restrict(world.worker_b)) == [world.resident_b]
    assert list(Household.objects.restrict(world.worker_a)) == [world.household_a]


def test_street_officer_sees_both_compounds_and_neighbour(world):
    seen = set(Resident.objects.restrict(world.street_officer))
    assert seen == {world.resident_a, world.resident_b, world.resident_c}


def test_outsider_sees_nothing(world):
    assert not Resident.objects.restrict(world.outsider).exists()
    assert not Area.objects.restrict(world.outsider).exists()


def test_action_limits_scope(world):
    # A volunteer may view but not change or reveal.
    assert Resident.objects.restrict(world.volunteer_a, "view").exists()
    assert not Resident.objects.restrict(world.volunteer_a, "change").exists()
    assert not Resident.objects.restrict(world.volunteer_a, "reveal").exists()


def test_area_subtree_is_exact(world):
    names = {a.name for a in Area.objects.subtree(world.compound_a)}
    assert names == {"小区A", "1号楼", "1单元"}


def test_path_bounds():
    assert path_upper_bound("0000000019") == "0000000020"
    assert path_upper_bound("0000000099") == "0000000100"


def test_prefix_q_does_not_match_siblings(world):
    # 小区A's path must not be a prefix of 小区B's subtree.
    qs = Area.objects.filter(prefix_q("path", world.compound_a.path))
    assert world.compound_b not in qs


def test_audit_entries_are_scoped(world):
    assert AuditEntry.objects.restrict(world.worker_a).filter(object_id=str(world.resident_b.pk), model="residents.resident").count() == 0
    assert AuditEntry.objects.restrict(world.worker_b).filter(object_id=str(world.resident_b.pk), model="residents.resident").count() == 1


def test_path_range_is_exactly_the_subtree(world):
    from frontline.core.scoping import path_q

    for area in Area.objects.all():
        by_range = set(Area.objects.filter(path_q("path", area.path)).values_list("pk", flat=True))
        by_prefix = {a.pk for a in Area.objects.all() if a.path.startswith(area.path)}
        assert by_range == by_prefix, area.name


def test_a_scoped_search_covers_exactly_the_rows_of_its_queryset(world):
    """restrict()/in_area() remember their subtrees; the name search reads keys only there, and a
    union of two scopes searches both."""
    worker_a = Resident.objects.restrict(world.worker_a)
    worker_b = Resident.objects.restrict(world.worker_b)
    assert list(worker_a.search("cxm")) == [world.resident_a]
    assert list(worker_b.search("cxm")) == []
    assert list(Resident.objects.restrict(world.street_officer).in_area(world.compound_b).search("ls")) == [world.resident_b]
    assert list(worker_a.in_area(world.compound_b)) == [] and list(worker_a.in_area(world.compound_b).search("ls")) == []
    both = worker_a | worker_b
    assert set(both.search("cxm")) | set(both.search("ls")) == {world.resident_a, world.resident_b}
    assert set((worker_a | Resident.objects.all()).search("ww")) == {world.resident_c}
