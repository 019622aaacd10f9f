"""The change log as a record page shows it: readable labels and values, nothing internal, no personal value."""

import pytest

from frontline.areas import services as area_services
from frontline.core.history import history_rows
from frontline.residents import services

pytestmark = pytest.mark.django_db


def changes(row):
    return {c.label: (c.old, c.new, c.redacted) for c in row.changes}


def test_update_shows_choice_labels_and_redacts_personal_fields(world, settings):
    from django.utils import translation

    services.update_resident(world.resident_a, status="away", phone="13900000000", reason="探亲", actor=world.worker_a)
    with translation.override("en"):
        newest = history_rows(world.resident_a)[0]
        assert newest.entry.reason == "探亲" and newest.entry.actor_name == "worker_a"
        assert changes(newest) == {"status": ("present", "away", False), "phone": ("", "", True)}


def test_tags_read_as_group_names(world):
    from django.utils import translation

    services.update_resident(world.resident_a, tags=["bedridden"], actor=world.worker_a)
    with translation.override("zh-hans"):
        assert changes(history_rows(world.resident_a)[0]) == {"重点人群": ("—", "卧床", False)}


def test_area_history_hides_path_and_depth_and_names_the_parent_area(world):
    from django.utils import translation

    building = area_services.create_area(name="9号楼", kind="building", parent=world.compound_a, actor=world.worker_a)
    with translation.override("zh-hans"):
        created = changes(history_rows(building)[0])
    assert "path" not in created and "depth" not in created
    assert created["上级区域"] == ("—", "小区A", False)


def test_a_reveal_names_the_field_only(world):
    from django.utils import translation

    services.reveal(world.resident_a, "id_number", actor=world.worker_a, reason="核对身份")
    with translation.override("en"):
        row = history_rows(world.resident_a)[0]
    assert row.revealed == "ID number" and row.changes == []
