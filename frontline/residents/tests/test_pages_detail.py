"""Resident and household detail pages: masked personal data, derived facts, history, and the
audited reveal."""

import datetime

import pytest
from django.urls import reverse

from frontline.core.models import AuditEntry
from frontline.residents import services
from tests.factories import make_id_number, resident

pytestmark = pytest.mark.django_db


def reveals(resident_obj):
    return AuditEntry.objects.filter(action="reveal", model="residents.resident", object_id=str(resident_obj.pk))


@pytest.fixture
def expecting(world):
    """A resident with a known ID number (a woman born 1990-03-15), a phone and two groups."""
    number = make_id_number(birth=datetime.date(1990, 3, 15), sex="F", seq=31)
    return resident(world.household_a, "孙丽", id_number=number, phone="13800001234", relation="spouse",
                    tags=[{"tag": "pregnant", "date": datetime.date(2027, 2, 1), "detail": "第二胎"}, "hardship"])


def test_detail_masks_personal_data_and_derives_sex_and_age(world, login, expecting, english):
    html = login(world.worker_a).get(reverse("residents:detail", args=[expecting.pk])).content.decode()
    assert expecting.id_number not in html and "13800001234" not in html
    assert expecting.id_number[:6] + "********" + expecting.id_number[-4:] in html
    assert "138****1234" in html
    assert "female" in html
    assert f"{expecting.age()} years old" in html
    assert "due 2027-02-01" in html and "第二胎" in html and "hardship family" in html


def test_masked_id_number_is_never_beside_the_full_birth_date(world, login, expecting, english):
    """Issue 8 hole 1: the eight hidden digits are the birth date; the page shows the age only."""
    html = login(world.worker_a).get(reverse("residents:detail", args=[expecting.pk])).content.decode()
    assert expecting.id_number_masked in html
    for shown in ("1990-03-15", "19900315", "1990年3月15日", "March 15, 1990", "3月15"):
        assert shown not in html


def test_a_resident_without_id_number_shows_the_birth_date(world, login, english):
    someone = resident(world.household_a, "王五", id_number="", birth_date=datetime.date(1950, 6, 1))
    html = login(world.worker_a).get(reverse("residents:detail", args=[someone.pk])).content.decode()
    assert "1950-06-01" in html


def test_admin_list_shows_the_age_not_the_birth_date(world, expecting, client):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    html = client.get("/admin/residents/resident/").content.decode()
    assert expecting.id_number_masked in html and "1990-03-15" not in html and "March 15, 1990" not in html
    html = client.get(f"/admin/residents/resident/{expecting.pk}/change/").content.decode()
    assert expecting.id_number_masked in html and "1990-03-15" not in html


def test_detail_shows_history_without_personal_values(world, login, expecting, english):
    services.update_resident(expecting, phone="13800005678", status="away", reason="回老家过年", actor=world.worker_a)
    html = login(world.worker_a).get(reverse("residents:detail", args=[expecting.pk])).content.decode()
    assert "回老家过年" in html and "worker_a" in html
    assert "changed (hidden)" in html
    assert "13800005678" not in html and "5678" not in html.split("History")[1]
    assert "<s>present</s> → away" in html


def test_reveal_shows_the_value_and_writes_an_audit_row(world, login, expecting):
    client = login(world.worker_a)
    response = client.post(reverse("residents:reveal", args=[expecting.pk]), {"field": "id_number", "reason": "核对采样登记"})
    assert response.status_code == 200
    assert expecting.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = reveals(expecting).get()
    assert entry.actor == world.worker_a and entry.changes == {"field": "id_number"}
    assert entry.reason == "核对采样登记"
    assert expecting.id_number not in str(entry.changes)


def test_reveal_by_htmx_returns_only_the_value(world, login, expecting):
    client = login(world.worker_a)
    response = client.post(reverse("residents:reveal", args=[expecting.pk]), {"field": "phone", "reason": "联系家属"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "13800001234" in html and "<html" not in html
    assert reveals(expecting).count() == 1


def test_reveal_from_the_page_asks_for_a_reason(world, login, expecting):
    """Issue 8 hole 11: the page's reveal recorded no reason (the API requires one)."""
    client = login(world.worker_a)
    html = client.get(reverse("residents:detail", args=[expecting.pk])).content.decode()
    assert 'name="reason" required' in html
    for blank in ({"field": "id_number"}, {"field": "id_number", "reason": "   "}):
        response = client.post(reverse("residents:reveal", args=[expecting.pk]), blank)
        assert response.status_code == 400
        assert expecting.id_number not in response.content.decode()
    assert not reveals(expecting).exists()


def test_reveal_refused_without_the_permission_and_nothing_logged(world, login, expecting):
    for data in ({"field": "id_number"}, {"field": "id_number", "reason": "想看"}):
        response = login(world.volunteer_a).post(reverse("residents:reveal", args=[expecting.pk]), data)
        assert response.status_code == 403
    assert response.status_code == 403
    assert expecting.id_number not in response.content.decode()
    assert not reveals(expecting).exists()


def test_reveal_outside_scope_is_404(world, login, expecting):
    response = login(world.worker_b).post(reverse("residents:reveal", args=[expecting.pk]), {"field": "id_number"})
    assert response.status_code == 404
    assert not reveals(expecting).exists()


def test_reveal_only_by_post_and_only_personal_fields(world, login, expecting):
    client = login(world.worker_a)
    assert client.get(reverse("residents:reveal", args=[expecting.pk]) + "?field=id_number").status_code == 405
    assert client.post(reverse("residents:reveal", args=[expecting.pk]), {"field": "name"}).status_code == 400
    assert not reveals(expecting).exists()


def test_reveal_button_only_for_those_who_may(world, login, expecting):
    url = reverse("residents:detail", args=[expecting.pk])
    assert 'name="reveal"' in login(world.worker_a).get(url).content.decode()
    assert 'name="reveal"' not in login(world.volunteer_a).get(url).content.decode()


def test_reveal_appears_in_the_history(world, login, expecting, english):
    client = login(world.worker_a)
    client.post(reverse("residents:reveal", args=[expecting.pk]), {"field": "id_number", "reason": "核对"})
    html = client.get(reverse("residents:detail", args=[expecting.pk])).content.decode()
    assert "Viewed the full ID number." in html


def test_household_detail_lists_members_masked(world, login, expecting, english):
    html = login(world.worker_a).get(reverse("residents:household", args=[world.household_a.pk])).content.decode()
    assert "曾小明" in html and "孙丽" in html and "spouse" in html
    assert "138****1234" in html and "13800001234" not in html
    assert "小区A 1号楼 1单元 101" in html


def test_breadcrumbs_stop_at_the_users_scope(world, login):
    html = login(world.worker_a).get(reverse("residents:household", args=[world.household_a.pk])).content.decode()
    crumbs = html.split('class="crumbs"')[1].split("</nav>")[0]
    assert "小区A" in crumbs and "1号楼" in crumbs
    assert "中城街道" not in crumbs and "八一西街社区" not in crumbs
    html = login(world.street_officer).get(reverse("residents:household", args=[world.household_a.pk])).content.decode()
    assert "中城街道" in html.split('class="crumbs"')[1].split("</nav>")[0]
