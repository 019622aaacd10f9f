import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frontline.areas import services
from frontline.areas.models import Area
from frontline.residents.models import Resident
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


def test_paths_and_ancestors(world):
    assert world.unit_a.path.startswith(world.compound_a.path)
    assert [a.name for a in world.unit_a.ancestors()] == ["测试市", "测试区", "中城街道", "八一西街社区", "小区A", "1号楼"]
    assert world.unit_a.full_name().endswith("小区A › 1号楼 › 1单元")


def test_kind_must_go_down_the_tree(world):
    with pytest.raises(ValidationError):
        services.create_area(name="x", kind="street", parent=world.compound_a, actor=SYSTEM)


def test_worker_creates_building_in_own_compound_only(world):
    b = services.create_area(name="2号楼", kind="building", parent=world.compound_a, actor=world.worker_a)
    assert b.path.startswith(world.compound_a.path)
    with pytest.raises(PermissionDenied):
        services.create_area(name="2号楼", kind="building", parent=world.compound_b, actor=world.worker_a)


def test_move_rewrites_subtree_and_scope_follows(world):
    with pytest.raises(ValidationError):  # 小区B has a 1号楼 already
        services.move_area(world.building_a, world.compound_b, actor=world.street_officer)
    services.update_area(world.building_a, name="3号楼", actor=world.street_officer)
    services.move_area(world.building_a, world.compound_b, actor=world.street_officer)
    world.unit_a.refresh_from_db()
    assert world.unit_a.path.startswith(world.compound_b.path)
    assert world.unit_a.depth == 6
    assert world.resident_a in Resident.objects.restrict(world.worker_b)
    assert world.resident_a not in Resident.objects.restrict(world.worker_a)


def test_cannot_move_into_itself(world):
    with pytest.raises(ValidationError):
        services.move_area(world.compound_a, world.unit_a, actor=world.street_officer)


def test_delete_refuses_non_empty(world):
    with pytest.raises(ValidationError):
        services.delete_area(world.compound_a, actor=world.street_officer)
    empty = services.create_area(name="空楼", kind="building", parent=world.compound_a, actor=SYSTEM)
    services.delete_area(empty, actor=world.street_officer)
    assert not Area.objects.filter(name="空楼").exists()
