"""A real ledger imports: the generated WPS/Excel-style ledger (tests/ledger_generator.py), with
its title rows, apostrophes, header synonyms, short compound names, blank rows, remarks and a
known set of bad rows, imports exactly its valid people."""

import re

import pytest
from django.utils import translation

from frontline.areas.models import Area
from frontline.residents.ledger import describe, differs_by_affix, import_ledger, number_core, split_address
from frontline.residents.models import Resident
from tests import ledger_generator
from tests.factories import SYSTEM

pytestmark = pytest.mark.django_db
PLAIN_ID = re.compile(r"\d{17}[\dXx]")
PLAIN_PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def community(db):
    return ledger_generator.make_areas()


def _messages(result):
    return [p.message for p in result.problems] + list(result.warnings) + [describe(result)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_generated_ledger_imports_exactly_its_valid_people(community, tmp_path, kind):
    ledger = ledger_generator.build(tmp_path / f"ledger.{kind}", 300, kind=kind, bad=12)
    assert len(ledger.bad) >= 12 and len(ledger.valid) == ledger.rows - len(ledger.bad)

    # 1. A dry run: the short names come back as ONE suggestion each, their rows held.
    dry = import_ledger(ledger.path, area=community, actor=SYSTEM, dry_run=True, create_missing=False)
    assert not dry.rejected, (dry.rejected, dry.details)
    assert {s["name"]: s["area"] for s in dry.suggestions} == ledger.short_names
    # (a suggestion counts every row naming it, bad ones too; only the otherwise valid are held)
    assert 0 < dry.held <= sum(s["rows"] for s in dry.suggestions)
    assert Resident.objects.count() == 0

    # 2. The real run with the suggestions confirmed once for the whole file.
    aliases = {s["name"]: s["area_id"] for s in dry.suggestions}
    result = import_ledger(ledger.path, area=community, actor=SYSTEM, dry_run=False, area_aliases=aliases)
    assert result.written and result.held == 0
    stored = {r.id_number: r.name for r in Resident.objects.all()}
    assert stored == ledger.valid
    error_rows = {p.row for p in result.errors}
    assert error_rows == set(ledger.bad), (sorted(error_rows ^ set(ledger.bad)), ledger.bad)
    assert result.created == len(ledger.valid) and result.skipped == len(ledger.bad)
    # No new buildings or units: "3", "3栋" and "3号楼" are the same building.
    assert not result.areas_created
    assert Area.objects.filter(kind="building").count() == 3 * ledger_generator.BUILDINGS

    # Every problem names its row and column, and shows no plaintext ID number or phone.
    for problem in result.problems:
        assert problem.row and problem.column
    for text in _messages(result) + _messages(dry):
        assert not PLAIN_ID.search(text) and not PLAIN_PHONE.search(text), text
    # A row with a bad ID number AND a bad phone reports both.
    both = [n for n, k in ledger.bad.items() if k == "bad_phone_and_id"]
    for number in both:
        columns = {p.column for p in result.errors if p.row == number}
        assert columns == {"公民身份号码", "联系电话"}, columns
    # The remarks land in the notes (the signature line and the numbered blank rows are no errors).
    assert Resident.objects.exclude(notes="").exists()


def test_accept_suggestions_takes_every_suggestion(community, tmp_path):
    ledger = ledger_generator.build(tmp_path / "l.xlsx", 60, bad=0)
    result = import_ledger(ledger.path, area=community, actor=SYSTEM, dry_run=False, accept_suggestions=True)
    assert result.held == 0 and all(s["accepted"] for s in result.suggestions)
    assert Resident.objects.count() == len(ledger.valid) == 60


def test_without_confirmation_the_rows_of_a_short_name_are_held_not_guessed(community, tmp_path):
    ledger = ledger_generator.build(tmp_path / "l.xlsx", 30, bad=0)
    result = import_ledger(ledger.path, area=community, actor=SYSTEM, dry_run=False)
    assert result.held == 20 and result.created == 10  # 学苑小区 is written in full
    assert set(Resident.objects.values_list("household__area__parent__parent__name", flat=True)) == {"学苑小区"}
    assert "confirm" in describe(result)


def test_affix_rule():
    pieces = {"盐湖区", "盐湖", "运城市", "运城", "小区", "院"}
    assert differs_by_affix("畜牧局家属院", "盐湖区畜牧局家属院", pieces)
    assert differs_by_affix("运城市盐湖区畜牧局家属院", "畜牧局家属院", pieces)
    assert differs_by_affix("学苑", "学苑小区", pieces)
    assert not differs_by_affix("畜牧局家属院", "供电局家属院", pieces)
    assert not differs_by_affix("东城畜牧局家属院", "畜牧局家属院", pieces)


def test_number_core_and_address():
    assert number_core("3号楼") == number_core("3栋") == number_core("3") == number_core("三号楼") == "3"
    assert number_core("2单元") == number_core("二单元") == "2"
    assert number_core("综合楼") is None
    assert split_address("畜牧局家属院3号楼2单元301室") == {"compound": "畜牧局家属院", "building": "3号楼", "unit": "2单元", "room": "301"}
    assert split_address("3-2-301") == {"compound": "", "building": "3号楼", "unit": "2单元", "room": "301"}
    assert split_address("学苑小区5栋102") == {"compound": "学苑小区", "building": "5栋", "unit": "", "room": "102"}
    assert split_address("在外地") is None


def test_a_ledger_with_one_address_column(community, tmp_path):
    from .ledger_files import pid, write_xlsx

    path = write_xlsx(tmp_path / "a.xlsx", [
        ["1", "张伟", "'" + pid(901), "盐湖区畜牧局家属院2号楼1单元302室", "13912345678"],
        ["2", "李娜", "'" + pid(902), "学苑小区3栋2单元101", ""],
        ["3", "王芳", "'" + pid(903), "在外地", ""],
    ], header=["序号", "姓名", "身份证号码", "家庭住址", "手机号"], before=[["八一社区台账"]])
    result = import_ledger(path, area=community, actor=SYSTEM, dry_run=False)
    assert result.created == 2, result.problems
    assert [(p.row, p.column) for p in result.errors] == [(5, "家庭住址")]
    homes = set(Resident.objects.values_list("household__room", "household__area__name", "household__area__parent__name"))
    assert homes == {("302", "1单元", "2号楼"), ("101", "2单元", "3号楼")}


def test_text_markers_are_taken_off():
    from frontline.core.imports import cell_text

    assert cell_text("'140802199001010015") == "140802199001010015"
    assert cell_text('="140802199001010015"') == "140802199001010015"
    assert cell_text("\t140802199001010015") == "140802199001010015"
    assert cell_text("  ‘13912345678 ") == "13912345678"
    assert cell_text("'s notes", keep_spaces=True) == "s notes"


def test_the_command_line_holds_short_names_until_told(community, tmp_path):
    import io

    from django.core.management import call_command

    ledger = ledger_generator.build(tmp_path / "l.csv", 30, kind="csv", bad=0)

    def run(*args):
        out = io.StringIO()
        call_command("import", str(ledger.path), "--area", str(community.pk), *args, stdout=out)
        return out.getvalue()

    output = run("--dry-run")
    assert "suggestion: “畜牧局家属院” = 盐湖区畜牧局家属院" in output and "held" in output
    target = Area.objects.get(name="盐湖区畜牧局家属院")
    output = run("--area-alias", f"畜牧局家属院={target.pk}")
    assert "created=20" in output  # 畜牧局家属院 and 学苑小区; 供电公司家属院 still held
    output = run("--accept-suggested-areas")
    assert Resident.objects.count() == 30


def test_the_page_asks_once_per_short_name_and_carries_the_answer_to_the_real_run(community, tmp_path, client, settings):
    from django.urls import reverse

    from tests.factories import UserFactory, grant

    user = grant(UserFactory(username="office"), "community_secretary", community)
    client.force_login(user)
    ledger = ledger_generator.build(tmp_path / "l.xlsx", 90, bad=3)
    with open(ledger.path, "rb") as fh:
        response = client.post(reverse("residents:import"), {"file": fh, "area": community.pk, "mode": "dry"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # One checkbox per distinct short name, not one per row.
    boxes = re.findall(r'name="accept" value="([^"]+)"', page)
    assert sorted(boxes) == sorted(ledger.short_names)
    assert "请确认小区名称" in page and "行，首行为第" in page  # the page in Chinese (the default)
    assert not PLAIN_ID.search(page) and not PLAIN_PHONE.search(page)
    confirm = re.search(r'action="([^"]+/confirm/)"', page).group(1)
    # "Check again" with both names ticked: a new dry run that holds nothing back.
    response = client.post(confirm, {"accept": boxes, "mode": "dry"})
    assert response.status_code == 302
    again = client.get(response["Location"])
    assert again.context["result"]["held"] == 0 and not again.context["result"]["suggestions"]
    assert again.context["result"]["created"] == len(ledger.valid) and Resident.objects.count() == 0
    confirm = re.search(r'action="([^"]+/confirm/)"', again.content.decode()).group(1)
    response = client.post(confirm)  # the names confirmed before are carried along
    assert response.status_code == 302
    client.get(response["Location"])
    stored = {r.id_number: r.name for r in Resident.objects.all()}
    assert stored == ledger.valid


def test_a_signature_line_in_a_data_column_is_noted_not_an_error(community, tmp_path):
    from .ledger_files import pid, write_csv

    path = write_csv(tmp_path / "s.csv", [
        ["学苑小区", "1号楼", "1单元", "101", "张伟", "'" + pid(911)],
        ["填表人：刘晓燕", "", "", "", "", ""],
        ["合计：1人", "", "", "", "", ""],
    ], header=["小区", "楼栋", "单元", "房号", "姓名", "身份证号"], encoding="gbk")
    result = import_ledger(path, area=community, actor=SYSTEM, dry_run=False)
    assert result.created == 1 and not result.problems
    assert sum("signature" in w for w in result.warnings) == 2
