"""Small things a new user met on the screening pages (issue 10 part 7 and 8), each with a test."""

import pytest
from django.urls import reverse

from frontline.residents.models import Household, room_order
from frontline.screening import coverage
from tests.factories import UserFactory, grant, household

from .test_results import T0, fill_tube, report, send

pytestmark = pytest.mark.django_db


def test_the_conflicts_page_says_the_accepted_result_in_chinese(screening, world, login):
    tube = fill_tube(screening, screening.people(2))
    send(screening, tube)
    report(screening.lab_user, (tube.barcode, "negative", T0), (tube.barcode, "positive", "2022-01-05 16:00"))
    html = login(world.worker_a).get(reverse("screening:conflicts")).content.decode()
    assert tube.barcode in html
    assert "阴性" in html and "阳性" in html
    assert ">negative<" not in html and ">positive<" not in html


def test_a_grid_worker_is_not_offered_the_lab_import(screening, world, login):
    grid = grant(UserFactory(username="grid_a"), "grid_worker", world.compound_a)
    html = login(grid).get(reverse("screening:index")).content.decode()
    assert reverse("screening:result_import") not in html
    assert login(grid).get(reverse("screening:result_import")).status_code == 404
    lab_html = login(screening.lab_user).get(reverse("screening:index")).content.decode()
    assert reverse("screening:result_import") in lab_html


def test_the_labs_dashboard_shows_its_tubes_and_bags_not_resident_counters(screening, login):
    tube = fill_tube(screening, screening.people(2))
    send(screening, tube)
    html = login(screening.lab_user).get(reverse("core:dashboard")).content.decode()
    assert 'data-testid="lab-panel"' in html and "在途转运袋" in html
    assert "在住居民" not in html and "重点人群" not in html


def test_worklist_rooms_sort_as_numbers(screening, world):
    for room in ("1001", "201", "11"):  # 101 is the world's
        household(world.unit_a, room=room)
    rooms = list(Household.objects.filter(area=world.unit_a).order_by(*room_order()).values_list("room", flat=True))
    assert rooms.index("11") < rooms.index("101") < rooms.index("201") < rooms.index("1001")
    assert "room_order(" in open(coverage.__file__, encoding="utf-8").read()  # the worklist orders by the same rule
