"""Exporting the ledger: scope, masking, the audited reveal, the same layout as the import."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from frontline.core.models import AuditEntry
from frontline.residents import services
from frontline.residents.ledger import COLUMNS, import_ledger
from frontline.residents.ledger_export import export_ledger
from tests.factories import SYSTEM, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def read(target):
    if isinstance(target, io.BytesIO):
        target.seek(0)
    sheet = openpyxl.load_workbook(target).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header = rows[0]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]], sheet


def test_export_is_scoped_and_masked(world):
    services.update_resident(world.resident_a, tags=["elderly_alone", "chronic"], actor=SYSTEM)
    out = io.BytesIO()
    count = export_ledger(out, area=world.compound_a, actor=world.worker_a)
    header, rows, sheet = read(out)
    assert count == 1 and header == [c.title() for c in COLUMNS]
    (only,) = rows
    assert only["Name"] == "曾小明" and only["Compound"] == "小区A" and only["Building"] == "1号楼" and only["Unit"] == "1单元"
    assert only["Room"] == "101" and only["Relation to head"] == "household head" and only["Status"] == "present"
    assert only["ID number"] == world.resident_a.id_number_masked and "*" in only["ID number"]
    assert only["Phone"] == "139****0001"
    assert only["Special groups"] == "chronic illness needing regular treatment、elderly living alone (60+)"
    assert sheet.cell(row=2, column=7).number_format == "@"
    # No reveal, no audit row.
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_street_officer_exports_everything_below_and_worker_nothing_outside(world):
    out = io.BytesIO()
    assert export_ledger(out, area=world.street, actor=world.street_officer) == 3
    with pytest.raises(PermissionDenied):
        export_ledger(io.BytesIO(), area=world.community, actor=world.worker_a)
    with pytest.raises(PermissionDenied):
        export_ledger(io.BytesIO(), area=world.compound_a, actor=world.volunteer_a)


def test_reveal_needs_the_permission_and_writes_one_audit_row(world):
    grid = grant(UserFactory(username="grid_a"), "grid_worker", world.compound_a)  # may export, not reveal
    with pytest.raises(PermissionDenied):
        export_ledger(io.BytesIO(), area=world.compound_a, actor=grid, reveal=True)
    assert export_ledger(io.BytesIO(), area=world.compound_a, actor=grid) == 1

    out = io.BytesIO()
    before = AuditEntry.objects.count()
    count = export_ledger(out, area=world.community, actor=world.street_officer, reveal=True)
    _header, rows, _sheet = read(out)
    assert {r["ID number"] for r in rows} == {world.resident_a.id_number, world.resident_b.id_number}
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.actor == world.street_officer and entry.changes["export"]["records"] == count == 2
    assert entry.area_path == world.community.path
    assert world.resident_a.id_number not in str(entry.changes)


def test_export_with_full_numbers_imports_back_unchanged(world, tmp_path):
    path = tmp_path / "out.xlsx"
    with open(path, "wb") as out:
        export_ledger(out, area=world.community, actor=world.street_officer, reveal=True)
    result = import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False)
    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 0, 2, 0), result.as_dict()


def test_export_in_chinese_uses_the_chinese_labels(world):
    out = io.BytesIO()
    with translation.override("zh-hans"):
        export_ledger(out, area=world.compound_a, actor=world.worker_a)
    header, rows, _sheet = read(out)
    assert header[:6] == ["小区", "楼栋", "单元", "房号", "楼层", "姓名"]
    assert rows[0]["与户主关系"] == "户主" and rows[0]["居住状态"] == "在住"


# --- the page -----------------------------------------------------------------------------------

def download(response):
    assert response.status_code == 200, response.content[:300]
    assert "attachment" in response["Content-Disposition"]
    return read(io.BytesIO(b"".join(response.streaming_content)))


def test_export_page_downloads_the_masked_ledger(world, login):
    client = login(world.worker_a)
    page = client.get(reverse("residents:export"))
    assert page.status_code == 200 and 'name="reveal"' in page.content.decode()
    _header, rows, _sheet = download(client.post(reverse("residents:export"), {"area": world.compound_a.pk}))
    assert [r["Name"] for r in rows] == ["曾小明"] and "*" in rows[0]["ID number"]


def test_export_page_reveal_checkbox(world, login):
    client = login(world.worker_a)
    _header, rows, _sheet = download(client.post(reverse("residents:export"), {"area": world.compound_a.pk, "reveal": "on"}))
    assert rows[0]["ID number"] == world.resident_a.id_number
    assert AuditEntry.objects.filter(action="reveal", actor=world.worker_a).count() == 1


def test_export_page_hides_reveal_from_users_who_may_not(world, login):
    grid = grant(UserFactory(username="grid_b"), "grid_worker", world.compound_b)
    client = login(grid)
    page = client.get(reverse("residents:export")).content.decode()
    assert 'name="reveal"' not in page
    _header, rows, _sheet = download(client.post(reverse("residents:export"), {"area": world.compound_b.pk, "reveal": "on"}))
    assert "*" in rows[0]["ID number"]
    assert not AuditEntry.objects.filter(action="reveal").exists()


def test_export_page_refuses_an_area_out_of_scope(world, login):
    client = login(world.worker_a)
    response = client.post(reverse("residents:export"), {"area": world.compound_b.pk})
    assert response.status_code == 200 and "area" in response.context["form"].errors
