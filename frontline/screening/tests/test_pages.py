"""Screening pages as people open them (server side; the desk's script is covered by browser tests)."""

import pytest

pytestmark = pytest.mark.django_db


def test_index_lists_rounds_and_the_samplers_desks(screening, login):
    page = login(screening.sampler_a).get("/screening/").content.decode()
    assert "第一轮" in page and f"/screening/desk/{screening.desk_a.pk}/" in page
    assert f"/screening/desk/{screening.desk_b.pk}/" not in page


def test_desk_page_renders_for_its_staff_and_is_404_elsewhere(screening, login, world):
    response = login(screening.sampler_a).get(f"/screening/desk/{screening.desk_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="desk-input"' in html and "offline-queue.js" in html and 'data-capacity="10"' in html
    assert login(world.worker_b).get(f"/screening/desk/{screening.desk_a.pk}/").status_code == 404
    assert login(screening.lab_user).get(f"/screening/desk/{screening.desk_a.pk}/").status_code == 404


def test_round_page_is_scoped(screening, login, world):
    assert login(world.worker_a).get(f"/screening/rounds/{screening.round.pk}/").status_code == 200
    assert login(world.outsider).get(f"/screening/rounds/{screening.round.pk}/").status_code == 404


def test_nav_has_testing(screening, login):
    assert "/screening/" in login(screening.sampler_a).get("/").content.decode()
