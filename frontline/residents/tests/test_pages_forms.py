"""Create, edit and delete through the pages: every bad input gets a clear error on the form
and no data is lost or half-written."""

import datetime

import pytest
from django.urls import reverse

from frontline.core import idnumber
from frontline.core.models import AuditEntry
from frontline.residents.models import Household, Resident
from tests.factories import household, make_id_number, resident

pytestmark = pytest.mark.django_db

VALID_ID = make_id_number(birth=datetime.date(1985, 6, 1), sex="M", seq=41)


def resident_post(**overrides):
    data = {"name": "赵六", "id_number": VALID_ID, "phone": "13700001111", "relation": "child", "status": "present",
            "notes": ""}
    data.update(overrides)
    return data


def create(client, world, **overrides):
    return client.post(reverse("residents:create", args=[world.household_a.pk]), resident_post(**overrides))


def test_create_resident_derives_sex_and_birth_date_and_logs_it(world, login):
    response = create(login(world.worker_a), world, tag_infant="", tag_pregnant="")
    person = Resident.objects.get(name="赵六")
    assert response.status_code == 302 and response["Location"] == reverse("residents:detail", args=[person.pk])
    assert (person.sex, person.birth_date, person.household) == ("M", datetime.date(1985, 6, 1), world.household_a)
    assert person.phone == "13700001111"
    entry = AuditEntry.objects.get(model="residents.resident", object_id=str(person.pk), action="create")
    assert entry.actor == world.worker_a and VALID_ID not in str(entry.changes)


def test_create_with_tags_and_due_date(world, login):
    create(login(world.worker_a), world, tag_pregnant="on", tag_pregnant_date="2027-03-01", tag_chronic="on",
           tag_chronic_detail="透析 每周二四六")
    person = Resident.objects.get(name="赵六")
    tags = {t.tag: t for t in person.tags.all()}
    assert set(tags) == {"pregnant", "chronic"}
    assert tags["pregnant"].date == datetime.date(2027, 3, 1) and tags["chronic"].detail == "透析 每周二四六"


def test_wrong_check_digit_says_which_rule_failed(world, login, english):
    bad = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    response = create(login(world.worker_a), world, id_number=bad)
    assert response.status_code == 200
    errors = response.context["form"].errors["id_number"]
    assert errors == [f"{bad}: the check digit is wrong (the last character should be {VALID_ID[17]}). "
                      "Check the number, or search by name."]
    assert not Resident.objects.filter(name="赵六").exists()


def test_wrong_check_digit_in_chinese(world, login):
    bad = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    html = create(login(world.worker_a), world, id_number=bad).content.decode()
    assert f"校验位错误（最后一位应为 {VALID_ID[17]}）" in html


@pytest.mark.parametrize("raw, rule", [
    ("61010319850230123X", "date"),
    ("6101031985060112", "format"),
    ("6.10103E+17", "format"),
])
def test_other_id_number_rules_are_named_on_the_field(world, login, english, raw, rule):
    response = create(login(world.worker_a), world, id_number=raw)
    with pytest.raises(idnumber.IDNumberError) as expected:
        idnumber.parse(raw)
    assert expected.value.rule == rule
    assert response.context["form"].errors["id_number"] == [str(expected.value.message)]
    assert not Resident.objects.filter(name="赵六").exists()


def test_lowercase_x_and_15_digit_numbers_are_accepted(world, login):
    client = login(world.worker_a)
    first17 = "61010319900101123"
    with_x = next(first17[:-1] + str(d) for d in range(10) if idnumber.check_digit(first17[:-1] + str(d)) == "X")
    create(client, world, id_number=with_x + "x", name="小写x")
    assert Resident.objects.get(name="小写x").id_number == with_x + "X"
    create(client, world, id_number="610103850601123", name="十五位")
    assert len(Resident.objects.get(name="十五位").id_number) == 18


def test_unknown_area_code_is_only_a_warning(world, login, english):
    number = make_id_number(area="999999", seq=43)
    response = create(login(world.worker_a), world, id_number=number, name="外地人")
    assert response.status_code == 302
    followed = login(world.worker_a).get(response["Location"])
    assert "not in the list of known counties" in followed.content.decode()


@pytest.mark.parametrize("field, value, expected", [
    ("name", "   ", "This field is required."),
    ("phone", "12345", "12345 is not a phone number (11-digit mobile, or a landline)."),
    ("relation", "cousin", "Select a valid choice. cousin is not one of the available choices."),
    ("status", "missing", "Select a valid choice. missing is not one of the available choices."),
    ("tag_pregnant_date", "2027-02-30", "Enter a valid date."),
])
def test_bad_inputs_are_named_on_their_fields(world, login, english, field, value, expected):
    response = create(login(world.worker_a), world, **{field: value, **({"tag_pregnant": "on"} if "tag" in field else {})})
    assert response.status_code == 200
    assert expected in response.context["form"].errors[field]
    assert not Resident.objects.filter(name="赵六").exists()


def test_a_twin_id_number_is_refused(world, login, english):
    response = create(login(world.worker_a), world, id_number=world.resident_b.id_number)
    assert response.context["form"].errors["id_number"] == ["Another resident already has this ID number."]
    assert Resident.objects.filter(name="赵六").count() == 0


def test_a_group_date_without_the_group_ticked_is_not_silently_dropped(world, login, english):
    response = create(login(world.worker_a), world, tag_pregnant_date="2027-03-01")
    assert response.context["form"].errors["tag_pregnant"]
    assert not Resident.objects.filter(name="赵六").exists()


def test_a_failed_save_keeps_what_was_typed(world, login):
    bad = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    html = create(login(world.worker_a), world, id_number=bad, notes="楼下小卖部老板").content.decode()
    assert "楼下小卖部老板" in html and 'value="赵六"' in html


# --- edit ---------------------------------------------------------------------------------------

def edit(client, person, **overrides):
    data = {"name": person.name, "relation": person.relation, "status": person.status, "notes": person.notes,
            "id_number": "", "phone": ""}
    for tag in person.tag_list():
        data[f"tag_{tag}"] = "on"
    data.update(overrides)
    return client.post(reverse("residents:edit", args=[person.pk]), data)


def test_edit_form_never_shows_personal_values(world, login):
    html = login(world.worker_a).get(reverse("residents:edit", args=[world.resident_a.pk])).content.decode()
    assert world.resident_a.id_number not in html and "13912340001" not in html
    assert world.resident_a.id_number_masked in html


def test_edit_keeps_personal_values_left_empty(world, login):
    before = (world.resident_a.id_number, world.resident_a.phone)
    response = edit(login(world.worker_a), world.resident_a, notes="腿脚不便")
    assert response.status_code == 302
    world.resident_a.refresh_from_db()
    assert (world.resident_a.id_number, world.resident_a.phone) == before
    assert world.resident_a.notes == "腿脚不便"


def test_edit_can_remove_a_phone(world, login):
    edit(login(world.worker_a), world.resident_a, clear_phone="on")
    world.resident_a.refresh_from_db()
    assert world.resident_a.phone == "" and world.resident_a.id_number


def test_status_change_needs_a_reason(world, login, english):
    client = login(world.worker_a)
    response = edit(client, world.resident_a, status="away")
    assert response.context["form"].errors["reason"] == ["Say why the status changes (it is kept with your name)."]
    world.resident_a.refresh_from_db()
    assert world.resident_a.status == "present"
    assert edit(client, world.resident_a, status="away", reason="去西安看病").status_code == 302
    world.resident_a.refresh_from_db()
    assert world.resident_a.status == "away"
    entry = AuditEntry.objects.filter(model="residents.resident", object_id=str(world.resident_a.pk), action="update").get()
    assert entry.reason == "去西安看病" and entry.actor == world.worker_a


def test_failed_edit_changes_nothing(world, login):
    before = world.resident_a.id_number
    response = edit(login(world.worker_a), world.resident_a, name="新名字", id_number="123")
    assert response.status_code == 200
    world.resident_a.refresh_from_db()
    assert (world.resident_a.name, world.resident_a.id_number) == ("曾小明", before)


def test_edit_by_a_volunteer_is_refused(world, login):
    response = edit(login(world.volunteer_a), world.resident_a, name="改名")
    assert response.status_code == 403
    world.resident_a.refresh_from_db()
    assert world.resident_a.name == "曾小明"


def test_edit_removing_a_group(world, login):
    person = resident(world.household_a, "钱七", tags=["bedridden", "disabled"])
    edit(login(world.worker_a), person, tag_bedridden="")
    assert person.tag_list() == ["disabled"]


# --- delete -------------------------------------------------------------------------------------

def test_delete_needs_the_delete_action_and_a_reason(world, login, english):
    url = reverse("residents:delete", args=[world.resident_a.pk])
    assert login(world.worker_a).post(url, {"reason": "重复录入"}).status_code == 403
    client = login(world.street_officer)
    response = client.post(url, {"reason": "  "})
    assert response.context["form"].errors["reason"]
    assert Resident.objects.filter(pk=world.resident_a.pk).exists()
    response = client.post(url, {"reason": "重复录入"})
    assert response.status_code == 302
    assert not Resident.objects.filter(pk=world.resident_a.pk).exists()
    assert AuditEntry.objects.get(model="residents.resident", object_id=str(world.resident_a.pk), action="delete").reason == "重复录入"


# --- households ---------------------------------------------------------------------------------

def test_create_household_in_a_unit(world, login):
    response = login(world.worker_a).post(reverse("residents:household_create"),
                                          {"area": world.unit_a.pk, "room": " 302 ", "floor": "3"})
    home = Household.objects.get(area=world.unit_a, room="302")
    assert response["Location"] == reverse("residents:household", args=[home.pk])
    assert home.floor == 3


def test_household_create_preselects_the_area_from_the_link(world, login):
    response = login(world.worker_a).get(reverse("residents:household_create"), {"area": world.unit_a.pk})
    assert response.context["form"]["area"].value() == world.unit_a.pk


def test_household_outside_change_scope_is_refused_on_the_field(world, login):
    response = login(world.worker_a).post(reverse("residents:household_create"), {"area": world.unit_b.pk, "room": "9"})
    assert response.status_code == 200 and response.context["form"].errors["area"]
    assert not Household.objects.filter(room="9").exists()


def test_household_not_in_a_community_node(world, login):
    response = login(world.street_officer).post(reverse("residents:household_create"),
                                                {"area": world.community.pk, "room": "9"})
    assert response.context["form"].errors["area"]
    assert not Household.objects.filter(room="9").exists()


def test_duplicate_room_is_reported(world, login):
    response = login(world.worker_a).post(reverse("residents:household_create"), {"area": world.unit_a.pk, "room": "101"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Household.objects.filter(area=world.unit_a, room="101").count() == 1


def test_bad_floor_is_reported(world, login, english):
    response = login(world.worker_a).post(reverse("residents:household_create"),
                                          {"area": world.unit_a.pk, "room": "9", "floor": "三楼"})
    assert response.context["form"].errors["floor"] == ["Enter a whole number."]


def test_edit_household_cannot_move_it_out_of_reach(world, login):
    response = login(world.worker_a).post(reverse("residents:household_edit", args=[world.household_a.pk]),
                                          {"area": world.unit_b.pk, "room": "101"})
    assert response.context["form"].errors["area"]
    world.household_a.refresh_from_db()
    assert world.household_a.area == world.unit_a


def test_edit_household_room(world, login):
    login(world.worker_a).post(reverse("residents:household_edit", args=[world.household_a.pk]),
                               {"area": world.unit_a.pk, "room": "101A", "floor": "1"})
    world.household_a.refresh_from_db()
    assert (world.household_a.room, world.household_a.floor) == ("101A", 1)


def test_delete_household_with_residents_explains_why_not(world, login, english):
    response = login(world.street_officer).post(reverse("residents:household_delete", args=[world.household_a.pk]))
    assert response.status_code == 409
    assert "The household still has residents; move or delete them first." in response.content.decode()
    assert Household.objects.filter(pk=world.household_a.pk).exists()


def test_delete_empty_household(world, login):
    empty = household(world.unit_a, "909")
    response = login(world.street_officer).post(reverse("residents:household_delete", args=[empty.pk]))
    assert response["Location"] == reverse("areas:detail", args=[world.unit_a.pk])
    assert not Household.objects.filter(pk=empty.pk).exists()


# --- without an ID number -------------------------------------------------------------------------

def test_a_resident_without_an_id_number_takes_sex_and_birth_date_from_the_form(world, login):
    response = create(login(world.worker_a), world, id_number="", name="小宝", sex="F", birth_date="2025-05-01",
                      tag_infant="on")
    assert response.status_code == 302
    baby = Resident.objects.get(name="小宝")
    assert (baby.id_number, baby.sex, baby.birth_date) == ("", "F", datetime.date(2025, 5, 1))


def test_an_id_number_overrides_typed_sex_and_birth_date(world, login):
    create(login(world.worker_a), world, sex="F", birth_date="2001-01-01")
    person = Resident.objects.get(name="赵六")
    assert (person.sex, person.birth_date) == ("M", datetime.date(1985, 6, 1))


def test_edit_form_offers_sex_and_birth_date_only_without_an_id_number(world, login):
    client = login(world.worker_a)
    form = client.get(reverse("residents:edit", args=[world.resident_a.pk])).context["form"]
    assert "sex" not in form.fields and "birth_date" not in form.fields
    baby = resident(world.household_a, "小宝", id_number="", sex="F")
    form = client.get(reverse("residents:edit", args=[baby.pk])).context["form"]
    assert "sex" in form.fields and form["sex"].value() == "F"
