"""The round summary exports what is already stored, control characters and all (core/text.py)."""

import io

import openpyxl
import pytest

from frontline.areas.models import Area

pytestmark = pytest.mark.django_db


def test_a_stored_bad_name_in_the_round_summary(screening, login, world):
    from frontline.screening.tests.test_pages import fill

    Area.objects.filter(pk=world.building_a.pk).update(name="1号\x01楼")
    fill(screening, screening.people(2))
    response = login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/summary.xlsx")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert any(r[1] == "1号\ufffd楼" for r in rows)
