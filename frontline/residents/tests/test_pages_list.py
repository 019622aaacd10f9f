"""The resident and household lists: scope, filters, search and pagination."""

import datetime
import re

import pytest
from django.urls import reverse

from frontline.residents import services
from tests.factories import SYSTEM, household, make_id_number, resident

pytestmark = pytest.mark.django_db


def names(response):
    return [r.name for r, _label in response.context["rows"]]


def test_list_shows_only_the_users_scope(world, login):
    assert names(login(world.worker_a).get(reverse("residents:list"))) == ["曾小明"]
    assert sorted(names(login(world.street_officer).get(reverse("residents:list")))) == sorted(["曾小明", "李四", "王五"])


@pytest.mark.parametrize("query", ["zxm", "cxm", "zengxiaoming", "cengxiao", "曾小", "0001", "13912340001"])
def test_search_finds_by_name_pinyin_initials_and_phone(world, login, query):
    response = login(world.street_officer).get(reverse("residents:list"), {"q": query}, follow=True)
    assert names(response) == ["曾小明"]


def test_search_by_id_number_in_any_spelling(world, login):
    number = world.resident_a.id_number
    client = login(world.worker_a)
    for spelled in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}"):
        assert names(client.get(reverse("residents:list"), {"q": spelled}, follow=True)) == ["曾小明"]


def test_search_never_crosses_scope(world, login):
    # 李四 lives in 小区B: worker_a searching for him finds nobody.
    response = login(world.worker_a).get(reverse("residents:list"), {"q": "ls"}, follow=True)
    assert names(response) == []
    assert response.status_code == 200


def test_filters_by_tag_and_status(world, login):
    pregnant = resident(world.household_a, "孙丽", tags=[{"tag": "pregnant", "date": datetime.date(2027, 1, 5)}])
    resident(world.household_a, "周强", status="away")
    client = login(world.worker_a)
    assert names(client.get(reverse("residents:list"), {"tag": "pregnant"})) == [pregnant.name]
    assert names(client.get(reverse("residents:list"), {"status": "away"})) == ["周强"]
    assert sorted(names(client.get(reverse("residents:list"), {"status": "present"}))) == sorted(["曾小明", "孙丽"])


def test_area_filter_offers_and_accepts_only_areas_in_scope(world, login):
    client = login(world.worker_a)
    response = client.get(reverse("residents:list"))
    offered = {pk for pk, _label in response.context["form"].fields["area"].choices if pk}
    assert world.compound_a.pk in offered and world.unit_a.pk in offered
    assert world.compound_b.pk not in offered and world.community.pk not in offered
    # An area outside scope typed into the address bar: an error on the field, no rows.
    response = client.get(reverse("residents:list"), {"area": world.compound_b.pk})
    assert names(response) == []
    assert response.context["form"].errors["area"]


def test_area_filter_narrows_to_a_subtree(world, login):
    client = login(world.street_officer)
    assert names(client.get(reverse("residents:list"), {"area": world.compound_b.pk})) == ["李四"]
    assert sorted(names(client.get(reverse("residents:list"), {"area": world.community.pk}))) == ["曾小明", "李四"]


def test_pagination_keeps_the_filters(world, login):
    home = household(world.unit_a, "102")
    for i in range(55):
        resident(home, f"测试{i:02d}", status="away")
    client = login(world.worker_a)
    first = client.get(reverse("residents:list"), {"status": "away"})
    assert len(first.context["rows"]) == 50
    assert first.context["total"] == 55
    html = first.content.decode()
    assert "status=away" in html and "page=2" in html
    second = client.get(reverse("residents:list"), {"status": "away", "page": 2})
    assert len(second.context["rows"]) == 5
    # A page past the end shows the last page rather than an error.
    assert client.get(reverse("residents:list"), {"status": "away", "page": 99}).status_code == 200


def test_list_masks_phones(world, login):
    html = login(world.worker_a).get(reverse("residents:list")).content.decode()
    assert "139****0001" in html
    assert "13912340001" not in html
    assert world.resident_a.id_number not in html


def test_household_list_and_its_filters(world, login):
    extra = household(world.unit_a, "505")
    resident(extra, "钱多多", tags=["hardship"])
    client = login(world.worker_a)

    def rooms(params=None):
        return sorted(h.room for h, _label in client.get(reverse("residents:households"), params or {}, follow=True).context["rows"])

    assert rooms() == ["101", "505"]
    assert rooms({"tag": "hardship"}) == ["505"]
    assert rooms({"q": "qdd"}) == ["505"]
    assert rooms({"q": "101"}) == ["101"]
    assert rooms({"area": world.compound_b.pk}) == []


def test_household_list_labels_rows_with_their_compound_and_building(world, login):
    html = login(world.worker_a).get(reverse("residents:households")).content.decode()
    assert "小区A 1号楼 1单元 101" in html


def test_household_list_shows_the_head(world, login):
    services.update_resident(world.resident_a, relation="head", actor=SYSTEM)
    html = login(world.worker_a).get(reverse("residents:households")).content.decode()
    assert "曾小明" in html


def test_list_in_chinese_by_default_and_english_on_request(world, login, english):
    client = login(world.worker_a)
    assert "1 resident" in client.get(reverse("residents:list")).content.decode()
    client.cookies.clear()
    client.force_login(world.worker_a)
    html = client.get(reverse("residents:list")).content.decode()
    assert "1 人" in html and "在住" in html


def test_ids_made_by_the_factory_are_valid():
    # The list tests rely on factory ID numbers passing the same rules as a typed one.
    from frontline.core import idnumber

    assert idnumber.parse(make_id_number(seq=7)).number


@pytest.mark.parametrize("url_name", ["residents:list", "residents:households"])
def test_list_queries_do_not_grow_with_the_rows(world, login, django_assert_max_num_queries, url_name):
    for i in range(40):
        resident(household(world.unit_a, f"{1000 + i}"), f"测试{i}", tags=["disabled", "hardship"])
    client = login(world.worker_a)
    with django_assert_max_num_queries(14):
        response = client.get(reverse(url_name))
    assert len(response.context["rows"]) == 41


def test_a_search_never_puts_the_value_in_the_url(world, login):
    """Issue 8 hole 2: GET /residents/?q=13912340001 wrote the phone into the access log."""
    client = login(world.worker_a)
    posted = client.post(reverse("residents:list"), {"q": "13912340001", "status": "present"})
    assert posted.status_code == 302
    assert "13912340001" not in posted["Location"] and "status=present" in posted["Location"]
    page = client.get(posted["Location"])
    assert names(page) == ["曾小明"]
    assert 'value="13912340001"' in page.content.decode()  # the form shows what was searched
    # Page links carry the token, not the value.
    assert "13912340001" not in "".join(re.findall(r'href="([^"]*)"', page.content.decode()))
    # An old bookmark with ?q= is answered with a redirect that drops it.
    old = client.get(reverse("residents:list"), {"q": world.resident_a.id_number})
    assert old.status_code == 302 and world.resident_a.id_number not in old["Location"]
    assert names(client.get(old["Location"])) == ["曾小明"]
    # Another session cannot read the token.
    other = login(world.street_officer)
    assert sorted(names(other.get(posted["Location"]))) == sorted(["曾小明", "李四", "王五"])


def test_the_search_forms_post(world, login):
    client = login(world.worker_a)
    for url in (reverse("residents:list"), reverse("residents:households")):
        html = client.get(url).content.decode()
        assert 'method="post" class="filters card"' in html and "csrfmiddlewaretoken" in html
