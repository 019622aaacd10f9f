"""Who gets which resident and household page: in scope 200, outside 404, wrong role 403,
anonymous to the login page. The world: worker_a on 小区A (no delete), worker_b on 小区B,
street_officer above both, volunteer_a (view only) on 小区A, outsider with no role."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ACTORS = ["worker_a", "worker_b", "street_officer", "volunteer_a", "outsider", "admin"]

# page: (url name, object of the world its url takes, expected status per actor in ACTORS order)
PAGES = {
    "resident detail": ("residents:detail", "resident_a", [200, 404, 200, 200, 404, 200]),
    "household detail": ("residents:household", "household_a", [200, 404, 200, 200, 404, 200]),
    "resident edit": ("residents:edit", "resident_a", [200, 404, 200, 403, 404, 200]),
    "resident create": ("residents:create", "household_a", [200, 404, 200, 403, 404, 200]),
    "household edit": ("residents:household_edit", "household_a", [200, 404, 200, 403, 404, 200]),
    "resident delete": ("residents:delete", "resident_a", [403, 404, 200, 403, 404, 200]),
    "household delete": ("residents:household_delete", "household_a", [403, 404, 200, 403, 404, 200]),
    "resident list": ("residents:list", None, [200, 200, 200, 200, 403, 200]),
    "household list": ("residents:households", None, [200, 200, 200, 200, 403, 200]),
    "household create": ("residents:household_create", None, [200, 200, 200, 403, 403, 200]),
}


def url_of(world, name, target):
    return reverse(name, args=[getattr(world, target).pk]) if target else reverse(name)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("actor_index", range(len(ACTORS)), ids=ACTORS)
def test_page_status_by_actor(world, login, page, actor_index):
    name, target, expected = PAGES[page]
    client = login(getattr(world, ACTORS[actor_index]))
    assert client.get(url_of(world, name, target)).status_code == expected[actor_index]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(world, client, page):
    name, target, _expected = PAGES[page]
    url = url_of(world, name, target)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")


@pytest.mark.parametrize("page", ["resident edit", "resident delete", "household edit", "household delete"])
def test_posting_to_a_record_outside_scope_is_404_and_changes_nothing(world, login, page):
    name, target, _expected = PAGES[page]
    client = login(world.worker_b)
    response = client.post(url_of(world, name, target), {"name": "X", "room": "9", "reason": "x", "status": "present",
                                                           "relation": "head", "area": world.unit_b.pk})
    assert response.status_code == 404
    world.resident_a.refresh_from_db()
    world.household_a.refresh_from_db()
    assert (world.resident_a.name, world.household_a.room) == ("曾小明", "101")


def test_neighbour_community_is_404_for_a_compound_worker_but_visible_to_the_street(world, login):
    url = reverse("residents:detail", args=[world.resident_c.pk])
    assert login(world.worker_a).get(url).status_code == 404
    assert login(world.street_officer).get(url).status_code == 200


def test_a_missing_record_looks_like_one_outside_scope(world, login):
    client = login(world.worker_a)
    assert client.get(reverse("residents:detail", args=[999999])).status_code == 404
    assert client.get(reverse("residents:household", args=[999999])).status_code == 404
