"""``frontline import`` and ``frontline export`` as management commands."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from frontline.core.models import AuditEntry
from frontline.residents.models import Resident

from .ledger_files import pid, row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_import_dry_run_then_real_by_area_path_and_user(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(2001)), row("钱二", "bad")])
    area = "测试市/测试区/中城街道/八一西街社区/小区A"
    output = run("import", str(path), area=area, user="worker_a", dry_run=True)
    assert "row 3 [身份证号] error" in output and "rows=2 created=1" in output
    assert not Resident.objects.filter(name="赵一").exists()
    output = run("import", str(path), area=str(world.compound_a.pk), user="worker_a")
    assert "created=1" in output and "skipped=1" in output
    assert AuditEntry.objects.filter(source="import", model="residents.resident", actor=world.worker_a).count() == 1


def test_import_is_scoped_to_the_user(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(2002), compound="小区B")])
    with pytest.raises(CommandError):
        run("import", str(path), area=str(world.compound_b.pk), user="worker_a")
    # Without --user the command is the system: no scope limit.
    assert "created=1" in run("import", str(path), area=str(world.compound_b.pk))


def test_import_of_a_bad_file_fails_with_the_reason(world, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run("import", str(path), area=str(world.compound_a.pk))
    with pytest.raises(CommandError, match="No area named"):
        run("import", str(path), area="测试市/不存在")
    with pytest.raises(CommandError, match="No active user"):
        run("import", str(path), area=str(world.compound_a.pk), user="nobody")


def test_strict_import_exits_non_zero_and_writes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(2003)), row("钱二", "bad")])
    with pytest.raises(CommandError, match="strict"):
        run("import", str(path), area=str(world.compound_a.pk), strict=True)
    assert not Resident.objects.filter(name="赵一").exists()


def test_export(world, tmp_path):
    out = tmp_path / "out.xlsx"
    output = run("export", area="测试市/测试区/中城街道/八一西街社区/小区B", user="worker_b", output=str(out))
    assert "1 residents written" in output
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet.cell(row=2, column=6).value == "李四" and "*" in sheet.cell(row=2, column=7).value
    with pytest.raises(CommandError):
        run("export", area=str(world.compound_b.pk), user="worker_a", output=str(tmp_path / "no.xlsx"))
    assert not (tmp_path / "no.xlsx").exists()
    run("export", area=str(world.community.pk), output=str(out), reveal=True, reason="handover to the district")
    assert openpyxl.load_workbook(out).worksheets[0].cell(row=2, column=7).value == world.resident_a.id_number
    entry = AuditEntry.objects.get(action="reveal")
    assert entry.source == "cli" and entry.actor_name == "system:cli:export" and entry.reason == "handover to the district"
