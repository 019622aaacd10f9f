import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from frontline.core.models import AuditEntry
from frontline.residents import services
from frontline.residents.models import Resident
from tests.factories import SYSTEM, make_id_number

pytestmark = pytest.mark.django_db


def test_create_derives_sex_and_birth_date_and_logs_redacted(world):
    number = make_id_number(seq=4242)
    r = services.create_resident(household=world.household_a, name="  单 田芳 ", id_number=number.lower(),
                                 phone="139-0000-1111", tags=["pregnant"], actor=world.worker_a)
    assert r.name == "单 田芳"
    assert r.birth_date and r.sex in ("M", "F")
    entry = AuditEntry.objects.get(model="residents.resident", object_id=str(r.pk), action="create")
    assert entry.actor == world.worker_a and entry.request_id
    assert entry.changes["id_number"] == ["***", "***"]
    assert number not in str(entry.changes) and "13900001111" not in str(entry.changes)
    assert entry.changes["tag_list"] == [None, ["pregnant"]]


def test_update_logs_only_what_changed_with_reason(world):
    services.update_resident(world.resident_a, status="away", reason="返乡", actor=world.worker_a)
    entry = AuditEntry.objects.filter(object_id=str(world.resident_a.pk), action="update").get()
    assert entry.changes == {"status": ["present", "away"]}
    assert entry.reason == "返乡"


def test_phone_change_is_redacted_but_visible_as_a_change(world):
    services.update_resident(world.resident_a, phone="13700000000", actor=world.worker_a)
    entry = AuditEntry.objects.filter(object_id=str(world.resident_a.pk), action="update").get()
    assert entry.changes == {"phone": ["***", "***"]}


def test_worker_cannot_write_outside_scope(world):
    with pytest.raises(PermissionDenied):
        services.update_resident(world.resident_b, status="away", actor=world.worker_a)
    with pytest.raises(PermissionDenied):
        services.create_resident(household=world.household_b, name="x", actor=world.worker_a)
    world.resident_b.refresh_from_db()
    assert world.resident_b.status == "present"


def test_cannot_move_a_resident_out_of_own_reach(world):
    with pytest.raises(PermissionDenied):
        services.update_resident(world.resident_a, household=world.household_b, actor=world.worker_a)


def test_volunteer_cannot_change(world):
    with pytest.raises(PermissionDenied):
        services.update_resident(world.resident_a, status="away", actor=world.volunteer_a)


def test_duplicate_id_number_is_refused(world):
    with pytest.raises(ValidationError) as err:
        services.create_resident(household=world.household_a, name="twin", id_number=world.resident_a.id_number, actor=SYSTEM)
    assert "id_number" in err.value.message_dict


def test_bad_id_number_names_the_rule(world):
    with pytest.raises(ValidationError) as err:
        services.create_resident(household=world.household_a, name="x", id_number="110105194912310021", actor=SYSTEM)
    assert "X" in err.value.message_dict["id_number"][0]
    assert not Resident.objects.filter(name="x").exists()


def test_reveal_needs_permission_and_is_audited(world):
    assert services.reveal(world.resident_a, "id_number", actor=world.worker_a, reason="核对身份") == world.resident_a.id_number
    assert AuditEntry.objects.filter(action="reveal", actor=world.worker_a).count() == 1
    with pytest.raises(PermissionDenied):
        services.reveal(world.resident_a, "id_number", actor=world.volunteer_a, reason="核对身份")
    with pytest.raises(PermissionDenied):
        services.reveal(world.resident_b, "phone", actor=world.worker_a, reason="核对身份")
    assert AuditEntry.objects.filter(action="reveal").count() == 1


def test_search_by_name_pinyin_initials_phone_tail_and_id(world):
    qs = Resident.objects.restrict(world.street_officer)
    assert list(qs.search("曾小")) == [world.resident_a]
    assert list(qs.search("zxm")) == [world.resident_a]  # surname reading
    assert list(qs.search("cxm")) == [world.resident_a]  # common reading
    assert list(qs.search("ZengXiao")) == [world.resident_a]
    assert list(qs.search("0001")) == [world.resident_a]
    assert list(qs.search("13912340001")) == [world.resident_a]
    assert list(qs.search(world.resident_a.id_number.lower())) == [world.resident_a]
    assert list(qs.search("ls")) == [world.resident_b]
    # scope still applies to search
    assert list(Resident.objects.restrict(world.worker_b).search("zxm")) == []


def test_rename_rebuilds_search_keys(world):
    services.update_resident(world.resident_a, name="赵六", actor=world.worker_a)
    qs = Resident.objects.all()
    assert list(qs.search("zl")) == [world.resident_a]
    assert list(qs.search("zxm")) == []


def test_delete_household_with_residents_is_refused(world):
    with pytest.raises(ValidationError):
        services.delete_household(world.household_a, actor=world.street_officer)
    services.delete_resident(world.resident_a, actor=world.street_officer, reason="迁出")
    services.delete_household(world.household_a, actor=world.street_officer)
    assert AuditEntry.objects.filter(action="delete").count() == 2
