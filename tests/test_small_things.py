"""Small things a new user met (issue 10 part 8), each with a test."""

import datetime
import re

import pytest
from django.urls import reverse

from frontline.core import audit
from frontline.core.history import history_rows
from frontline.core.models import AuditEntry
from frontline.residents import import_jobs
from frontline.residents.ledger import STATUS_LABELS
from frontline.residents.ledger_export import value_label
from tests.factories import household

pytestmark = pytest.mark.django_db


def test_the_change_history_names_the_person_not_the_login(world, login):
    world.worker_a.display_name = "张晓红"
    world.worker_a.save()
    audit.record(world.resident_a, AuditEntry.Action.UPDATE, actor=world.worker_a, changes={"notes": ["", "x"]})
    rows = history_rows(world.resident_a)
    assert rows[0].actor == "张晓红"
    html = login(world.worker_a).get(reverse("residents:detail", args=[world.resident_a.pk])).content.decode()
    assert "<b>张晓红</b>" in html and "<b>worker_a</b>" not in html


def test_the_export_area_list_starts_with_an_area_selected(world, login):
    html = login(world.worker_a).get(reverse("residents:export")).content.decode()
    select = re.search(r'<select name="area"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "selected" in select and "---------" not in select
    response = login(world.worker_a).post(reverse("residents:export"), {})
    assert response.status_code == 200 and "请选择要导出的区域" in response.content.decode()


def test_a_reopened_dry_run_says_it_was_imported(world, login, tmp_path):
    from frontline.residents.tests.ledger_files import pid, row, write_xlsx

    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1001))])
    with open(path, "rb") as fh:
        location = client.post(reverse("residents:import"), {"file": fh, "area": world.compound_a.pk, "mode": "dry"})["Location"]
    job = location.rstrip("/").rsplit("/", 1)[-1]
    assert "already-imported" not in client.get(location).content.decode()
    real = client.post(reverse("residents:import_confirm", kwargs={"job": job}))
    assert real.status_code == 302
    html = client.get(location).content.decode()
    assert 'data-testid="already-imported"' in html and "已经正式导入过了" in html
    assert real["Location"] in html
    assert import_jobs.get(job, world.worker_a)["real_run"]


def test_rooms_sort_as_numbers_on_the_household_list(world, login):
    for room in ("1001", "102", "11"):
        household(world.unit_a, room=room)
    html = login(world.worker_a).get(reverse("areas:detail", args=[world.unit_a.pk])).content.decode()
    positions = [html.find(f">{room}<") if f">{room}<" in html else html.find(room) for room in ("11", "101", "102", "1001")]
    assert all(p >= 0 for p in positions) and positions == sorted(positions), positions


def test_the_template_and_the_ui_both_say_deceased_as_yi_gu():
    assert STATUS_LABELS["deceased"][0] == "已故"
    assert value_label("status", "deceased") == "已故"


def test_gate_statistics_with_the_end_before_the_start_say_so(world, login):
    today = datetime.date.today()
    client = login(world.worker_a)
    response = client.get(reverse("checkpoints:stats"), {"date_from": today.isoformat(),
                                                          "date_to": (today - datetime.timedelta(days=3)).isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stats-error"' in html and "stats-table" not in html
    xlsx = client.get(reverse("checkpoints:stats"), {"date_from": "2026-12-08", "date_to": "2026-12-01", "format": "xlsx"})
    assert xlsx.status_code == 200 and "spreadsheet" not in xlsx["Content-Type"]


def test_favicon_is_no_longer_a_404(client):
    assert client.get("/favicon.ico").status_code == 200
