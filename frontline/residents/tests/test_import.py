"""The ledger import at the service level: every bad input the issue names, scope, audit, counts."""

import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from frontline.areas.models import Area
from frontline.core import idnumber
from frontline.core.models import AuditEntry
from frontline.residents.ledger import import_ledger
from frontline.residents.models import Household, NameKey, Resident, ResidentTag
from tests.factories import SYSTEM

from .ledger_files import HEADER, pid, rewrite_sheet_xml, row, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def counts():
    return (Resident.objects.count(), Household.objects.count(), AuditEntry.objects.count(),
            Area.objects.count(), ResidentTag.objects.count(), NameKey.objects.count())


def run(path, world, *, user=None, area=None, **kwargs):
    kwargs.setdefault("dry_run", False)
    return import_ledger(path, area=area or world.community, actor=user or world.street_officer, **kwargs)


def errors_by_row(result):
    found = {}
    for problem in result.problems:
        if problem.severity == "error":
            found.setdefault(problem.row, []).append(problem)
    return found


# --- a good ledger ------------------------------------------------------------------------------

def test_import_creates_households_residents_tags_and_audit(world, tmp_path):
    id1, id2 = pid(11), pid(12)
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("赵一", id1, room="501", floor=5, phone="13800000001", relation="户主", status="在住", tags="独居老人、慢性病", notes="需送药"),
        row("钱二", id2, room="501", floor=5, relation="配偶", status="外出", compound="小区B"),
    ])
    before = AuditEntry.objects.count()
    result = run(path, world)
    assert (result.created, result.updated, result.skipped, result.written) == (2, 0, 0, True)
    zhao = Resident.objects.by_id_number(id1).get()
    assert zhao.household.area == world.unit_a and zhao.household.room == "501" and zhao.household.floor == 5
    assert (zhao.relation, zhao.status, zhao.phone, zhao.notes) == ("head", "present", "13800000001", "需送药")
    assert zhao.tag_list() == ["chronic", "elderly_alone"]
    assert zhao.sex and zhao.birth_date  # derived from the ID number, as the service does
    qian = Resident.objects.by_id_number(id2).get()
    assert qian.household.area == world.unit_b and (qian.relation, qian.status) == ("spouse", "away")
    # Searchable at once: name keys were written.
    assert zhao in Resident.objects.search("zy")
    # Audit: one row per household and resident, one summary row, all from the import, personal data redacted.
    entries = AuditEntry.objects.filter(pk__gt=0).order_by("id")[before:]
    created = [e for e in entries if e.model == "residents.resident"]
    assert len(created) == 2 and {e.source for e in entries} == {"import"}
    assert all(e.actor == world.street_officer for e in entries)
    assert created[0].changes["id_number"] == ["***", "***"] and id1 not in str(created[0].changes)
    assert "13800000001" not in str([e.changes for e in entries])
    summary = [e for e in entries if e.model == "areas.area"]
    assert len(summary) == 1 and summary[0].changes["import"]["created"] == 2
    assert len({e.request_id for e in entries}) == 1


def test_dry_run_reports_and_writes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("赵一", pid(21)),
        row("钱二", "123"),
        row("孙三", pid(23), building="9号楼"),
    ])
    before = counts()
    result = run(path, world, dry_run=True)
    assert counts() == before
    assert (result.created, result.skipped, result.written) == (1, 2, False)
    rows = errors_by_row(result)
    assert set(rows) == {3, 4}  # spreadsheet row numbers: the header is row 1
    assert rows[3][0].column == "身份证号" and "18 characters" in rows[3][0].message
    assert rows[4][0].column == "楼栋" and "9号楼" in rows[4][0].message


def test_update_by_id_number_instead_of_twin(world, tmp_path):
    resident = world.resident_a
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("曾小明", resident.id_number, room="101", phone="13912349999", status="外出", tags="孕妇"),
    ])
    result = run(path, world, user=world.worker_a, area=world.compound_a)
    assert (result.created, result.updated) == (0, 1)
    assert Resident.objects.by_id_number(resident.id_number).count() == 1
    resident.refresh_from_db()
    assert (resident.phone, resident.status, resident.tag_list()) == ("13912349999", "away", ["pregnant"])
    assert resident.relation == "head"  # the empty cell kept the stored value
    entry = AuditEntry.objects.filter(model="residents.resident", object_id=str(resident.pk), action="update").get()
    assert entry.source == "import" and entry.changes["phone"] == ["***", "***"]
    assert entry.changes["status"] == ["present", "away"] and entry.changes["tag_list"] == [[], ["pregnant"]]
    # The resident is found by the new phone (hash and tail recomputed in the bulk update).
    assert Resident.objects.by_phone("13912349999").get() == resident
    assert Resident.objects.search("9999").get() == resident


def test_reimport_of_the_same_file_changes_nothing(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(31), tags="残疾人"), row("钱二", pid(32))])
    run(path, world)
    before = counts()
    result = run(path, world)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert counts()[:2] == before[:2] and counts()[4:] == before[4:]
    assert counts()[2] == before[2] + 1  # only the summary row


def test_resident_without_id_number_is_matched_by_name_in_the_room(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("小宝", "", room="808")])
    run(path, world)
    path = write_xlsx(tmp_path / "l2.xlsx", [row("小宝", pid(41), room="808", tags="婴幼儿")])
    result = run(path, world)
    assert (result.created, result.updated) == (0, 1)
    baby = Resident.objects.get(name="小宝")
    assert baby.id_number == pid(41) and baby.tag_list() == ["infant"]


def test_renamed_resident_gets_new_search_keys(world, tmp_path):
    resident = world.resident_a
    path = write_xlsx(tmp_path / "l.xlsx", [row("曾晓明", resident.id_number, room="101")])
    result = run(path, world)
    assert result.updated == 1
    assert resident in Resident.objects.search("曾晓")
    assert resident not in Resident.objects.search("曾小")


# --- the bad inputs of the issue, each with a clear message and nothing partial ----------------------

def assert_rejected(result, *words):
    assert result.rejected and not result.written
    text = " ".join([result.rejected, *result.details])
    for word in words:
        assert word in text, text
    return text


def test_empty_file(world, tmp_path):
    before = counts()
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert_rejected(run(path, world), "empty")
    empty_sheet = write_xlsx(tmp_path / "blank.xlsx", [], header=None)
    assert_rejected(run(empty_sheet, world), "empty")
    only_bom = tmp_path / "bom.csv"
    only_bom.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    assert_rejected(run(only_bom, world), "empty")
    assert counts() == before


def test_header_only_imports_nothing(world, tmp_path):
    result = run(write_xlsx(tmp_path / "h.xlsx", []), world)
    assert not result.rejected and result.rows == 0 and not result.written


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
    bytes(range(256)) * 40,
])
def test_file_that_is_not_a_spreadsheet(world, tmp_path, content):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(content)
    before = counts()
    text = assert_rejected(run(path, world))
    assert "spreadsheet" in text or ".xls" in text
    assert counts() == before


def test_zip_that_is_not_a_workbook_and_a_damaged_workbook(world, tmp_path):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert_rejected(run(path, world), "not an Excel workbook")
    good = write_xlsx(tmp_path / "good.xlsx", [row("赵一", pid(51))])
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(good.read_bytes()[:-300])
    assert_rejected(run(damaged, world))


def test_missing_required_header(world, tmp_path):
    header = [h for h in HEADER if h != "身份证号"]
    path = write_xlsx(tmp_path / "l.xlsx", [["小区A", "1号楼", "1单元", "102", 1, "张三", "", "", "", "", ""]], header=header)
    assert_rejected(run(path, world), "Required columns are missing", "ID number")


def test_misspelled_headers_are_named_with_a_suggestion(world, tmp_path):
    header = [{"身份证号": "身分证号", "备注": "备住"}.get(h, h) for h in HEADER]
    path = write_xlsx(tmp_path / "l.xlsx", [row("张三", pid(61))], header=header)
    before = counts()
    text = assert_rejected(run(path, world), "身分证号", "备住", "Did you mean")
    assert "ID number" in text and "Notes" in text
    assert counts() == before


def test_unknown_column_is_ignored_with_a_note(world, tmp_path):
    header = [*HEADER, "宗教信仰"]
    path = write_xlsx(tmp_path / "l.xlsx", [[*row("张三", pid(62)), "陕西"]], header=header)
    result = run(path, world)
    assert result.created == 1 and any("宗教信仰" in w for w in result.warnings)


def test_merged_cells_in_the_data_are_refused(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(71)), row("钱二", pid(72))], merge="A2:A3")
    before = counts()
    assert_rejected(run(path, world), "merged", "A2:A3")
    assert counts() == before


def test_merged_title_above_the_header_is_fine(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(73))], before=[["八一西街社区居民台账"], []], merge="A1:L1")
    result = run(path, world)
    assert result.created == 1 and not errors_by_row(result)
    # Row numbers stay the spreadsheet's own: title, blank, header, then the data on row 4.
    bad = write_xlsx(tmp_path / "b.xlsx", [row("赵一", "x")], before=[["八一西街社区居民台账"], []], merge="A1:L1")
    assert list(errors_by_row(run(bad, world, dry_run=True))) == [4]


def test_id_numbers_excel_turned_into_numbers(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", 6.10103e17), row("钱二", 610103199001011234)])
    result = run(path, world)
    rows = errors_by_row(result)
    assert set(rows) == {2, 3} and result.created == 0
    assert "6.10103E+17" in rows[2][0].message and "text" in rows[2][0].message
    csv_path = write_csv(tmp_path / "l.csv", [row("赵一", "6.10103E+17")])
    rows = errors_by_row(run(csv_path, world))
    assert "scientific notation" in rows[2][0].message


def test_fifteen_digit_number_cell_is_a_legacy_id_and_converts(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("老王", 610113500101123)])
    result = run(path, world)
    assert result.created == 1
    assert Resident.objects.get(name="老王").id_number == "61011319500101123" + idnumber.check_digit("61011319500101123")


def test_full_width_digits_and_spaces_inside_values(world, tmp_path):
    number = pid(81)
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    li = pid(83)
    spaced = f"{li[:6]} {li[6:14]} {li[14:]}"
    other = pid(82)
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("张 三", full_width, phone="１３９ １２３４ ５６７８", building="１ 号楼", unit=" 1单元 ", room=" 102 "),
        row("李 四", spaced.lower(), phone="139-1234-5679", compound="小区 A"),
        row("Ali  Khan", other),
    ])
    result = run(path, world)
    assert result.created == 3 and not errors_by_row(result), result.as_dict()["problems"]
    zhang = Resident.objects.by_id_number(number).get()
    assert (zhang.name, zhang.phone, zhang.household.room, zhang.household.area) == ("张三", "13912345678", "102", world.unit_a)
    assert Resident.objects.by_id_number(li).get().name == "李四"
    assert Resident.objects.get(name="Ali Khan").household.area == world.unit_a


def test_building_that_does_not_exist(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(91), building="2号楼")])
    before = counts()
    result = run(path, world)
    rows = errors_by_row(result)
    assert rows[2][0].column == "楼栋" and "2号楼" in rows[2][0].message and "create missing" in rows[2][0].message
    assert counts()[:2] == before[:2] and Area.objects.count() == before[3]


def test_create_missing_buildings_and_units(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("赵一", pid(92), building="2号楼", unit="1单元"),
        row("钱二", pid(93), building="2 号楼", unit="2单元"),
    ])
    dry = run(path, world, create_missing=True, dry_run=True)
    assert not errors_by_row(dry) and len(dry.areas_created) == 3
    assert not Area.objects.filter(name="2号楼").exists()
    result = run(path, world, create_missing=True)
    assert result.created == 2
    building = Area.objects.get(name="2号楼", parent=world.compound_a)
    assert sorted(building.children.values_list("name", flat=True)) == ["1单元", "2单元"]
    assert AuditEntry.objects.filter(model="areas.area", object_id=str(building.pk), action="create", source="import").exists()


def test_compound_that_does_not_exist_is_always_an_error(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(94), compound="小区Q")])
    rows = errors_by_row(run(path, world, create_missing=True))
    assert rows[2][0].column == "小区" and "小区Q" in rows[2][0].message


def test_two_rows_same_id_different_names_are_both_refused(world, tmp_path):
    number = pid(101)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", number), row("钱二", pid(102)), row("孙三", number)])
    result = run(path, world)
    rows = errors_by_row(result)
    assert set(rows) == {2, 4} and result.created == 1
    assert "Row 4" in rows[2][0].message and "Row 2" in rows[4][0].message
    assert not Resident.objects.by_id_number(number).exists()


def test_same_person_twice_keeps_the_first_row(world, tmp_path):
    number = pid(103)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", number, room="102"), row("赵一", number, room="103")])
    result = run(path, world)
    rows = errors_by_row(result)
    assert set(rows) == {3} and "row 2" in rows[3][0].message
    assert Resident.objects.by_id_number(number).get().household.room == "102"


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_too_many_rows_is_refused_up_front(world, tmp_path, settings, kind, monkeypatch):
    settings.IMPORT_MAX_ROWS = 5
    rows = [row(f"人{i}", pid(200 + i)) for i in range(6)]
    path = write_xlsx(tmp_path / "l.xlsx", rows) if kind == "xlsx" else write_csv(tmp_path / "l.csv", rows)
    from frontline.residents import ledger

    def no_cleaning(*args, **kwargs):
        raise AssertionError("a row was read before the row count was checked")

    monkeypatch.setattr(ledger.RowCleaner, "clean", no_cleaning)
    before = counts()
    assert_rejected(run(path, world), "at most 5 rows")
    assert counts() == before
    settings.IMPORT_MAX_ROWS = 6
    monkeypatch.undo()
    assert run(path, world).created == 6


def set_dimension(xml, ref):
    changed, n = re.subn(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
    assert n == 1
    return changed


def test_a_sheet_claiming_over_a_million_rows_is_refused_before_any_cell_is_parsed(world, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(301))])
    rewrite_sheet_xml(path, lambda xml: set_dimension(xml, "A1:L1000002"))
    from frontline.core import imports

    def no_parsing(*args):
        raise AssertionError("cells were parsed")

    monkeypatch.setattr(imports, "_sheet_rows", no_parsing)
    assert_rejected(run(path, world), "1,000,001", "1,000,000")


def test_a_sheet_whose_dimension_lies_low_is_still_read_whole(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(302)), row("钱二", pid(303))])
    rewrite_sheet_xml(path, lambda xml: set_dimension(xml, "A1"))
    assert run(path, world).created == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(world, tmp_path, encoding):
    number = pid(400)
    path = write_csv(tmp_path / "l.csv", [row("曾小红", number, tags="残疾人;困难家庭", relation="女儿")], encoding=encoding)
    result = run(path, world)
    assert result.created == 1, result.as_dict()
    resident = Resident.objects.by_id_number(number).get()
    assert (resident.name, resident.relation, resident.tag_list()) == ("曾小红", "child", ["disabled", "hardship"])


def test_csv_gb18030_with_tabs_and_english_headers(world, tmp_path):
    header = ["Compound", "Building", "Unit", "Room", "Floor", "Name", "ID number", "Phone", "Relation to head", "Status", "Special groups", "Notes"]
    path = write_csv(tmp_path / "l.csv", [row("王芳", pid(401), relation="spouse", status="moved out", tags="pregnant / bedridden")],
                     header=header, encoding="gb18030", delimiter="\t")
    result = run(path, world)
    assert result.created == 1, result.as_dict()
    wang = Resident.objects.get(name="王芳")
    assert (wang.relation, wang.status, wang.tag_list()) == ("spouse", "moved_out", ["bedridden", "pregnant"])


def test_unknown_labels_and_bad_values_name_their_column(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("赵一", pid(501), relation="邻居", status="隔离中", tags="独居老人/外星人", floor="三楼", phone="12345"),
    ])
    rows = errors_by_row(run(path, world))
    columns = {p.column: p.message for p in rows[2]}
    assert set(columns) == {"与户主关系", "居住状态", "特殊群体", "楼层", "手机"}
    assert "邻居" in columns["与户主关系"] and "household head" in columns["与户主关系"]
    assert "外星人" in columns["特殊群体"]


def test_the_templates_example_row_is_refused(world, tmp_path):
    from frontline.residents.ledger_export import build_template

    path = tmp_path / "template.xlsx"
    build_template(path)
    result = run(path, world, area=world.compound_a, user=world.worker_a)
    rows = errors_by_row(result)
    assert set(rows) == {2} and "example" in rows[2][0].message


def test_masked_numbers_from_an_export_are_explained(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", "610103********123X", phone="139****0001")])
    rows = errors_by_row(run(path, world))
    assert {p.column for p in rows[2]} == {"身份证号", "手机"} and "masked" in rows[2][0].message


# --- scope ----------------------------------------------------------------------------------------

def test_a_resident_outside_scope_is_an_error_never_an_update(world, tmp_path):
    outside = world.resident_b  # lives in 小区B; worker_a holds only 小区A
    path = write_xlsx(tmp_path / "l.xlsx", [row("李四", outside.id_number, room="109", phone="13900000000")])
    before = counts()
    result = run(path, world, user=world.worker_a, area=world.compound_a)
    rows = errors_by_row(result)
    message = rows[2][0].message
    assert result.updated == 0 and result.created == 0
    assert "outside the areas you may import into" in message
    for leak in ("小区B", "202", "李四", outside.id_number, world.unit_b.name + " "):
        assert leak not in message
    outside.refresh_from_db()
    assert outside.household == world.household_b and outside.phone == "13912340002"
    assert counts()[:2] == before[:2]


def test_target_area_must_be_in_import_scope(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(601))])
    with pytest.raises(PermissionDenied):
        import_ledger(path, area=world.compound_b, actor=world.worker_a, dry_run=True)
    with pytest.raises(PermissionDenied):
        import_ledger(path, area=world.compound_a, actor=world.volunteer_a, dry_run=True)  # may view, not import


def test_rows_for_another_compound_are_refused_when_importing_into_a_compound(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(602), compound="小区B"), row("钱二", pid(603), compound="")])
    result = run(path, world, user=world.worker_a, area=world.compound_a)
    rows = errors_by_row(result)
    assert set(rows) == {2} and result.created == 1
    assert Resident.objects.get(name="钱二").household.area == world.unit_a


def test_system_import_without_user_has_no_scope_limit(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("王五", world.resident_c.id_number, compound="小区C", room="303", status="外出")])
    result = import_ledger(path, area=world.other_community, actor=SYSTEM, dry_run=False)
    assert result.updated == 1
    entry = AuditEntry.objects.filter(model="residents.resident", object_id=str(world.resident_c.pk), action="update").get()
    assert entry.actor is None and entry.actor_name == "system:test"


# --- modes and failure ----------------------------------------------------------------------------

def test_strict_mode_imports_nothing_when_a_row_is_bad(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(701)), row("钱二", "bad")])
    before = counts()
    result = run(path, world, strict=True)
    assert not result.written and result.created == 0 and result.skipped == 2
    assert counts() == before
    assert run(path, world).created == 1  # the default: valid rows go in, bad ones are listed


def test_a_failure_while_writing_leaves_nothing_behind(world, tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(702), building="3号楼"), row("钱二", pid(703))])
    from frontline.residents import bulk

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bulk, "name_key_rows", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        run(path, world, create_missing=True)
    assert counts() == before


def test_progress_is_reported(world, tmp_path, monkeypatch):
    from frontline.residents import ledger

    monkeypatch.setattr(ledger, "BATCH", 3)
    path = write_xlsx(tmp_path / "l.xlsx", [row(f"人{i}", pid(800 + i)) for i in range(7)])
    calls = []
    result = run(path, world, progress=lambda phase, done, total: calls.append((phase, done, total)))
    assert result.created == 7
    reads = [c for c in calls if c[0] == "read"]
    assert reads[-1] == ("read", 7, 7) and len(reads) >= 3
    assert calls[-1] == ("write", 7, 7)


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")
def test_a_workbook_written_the_way_excel_writes_it(world, tmp_path):
    """Shared strings, numeric cells and a date-formatted cell, as Excel (not openpyxl) stores them."""
    from .ledger_files import write_excel_style_xlsx

    path = write_excel_style_xlsx(tmp_path / "excel.xlsx", [
        row("赵一", pid(1301), phone=13912345678, floor=3, tags="孕妇", notes="A & B <ok>"),
        row("钱二", pid(1302), room=("date", 45352)),  # "3-1" typed into a general cell becomes a date
        row("孙三", 6.10103e17),
    ])
    result = run(path, world)
    rows = errors_by_row(result)
    assert set(rows) == {3, 4} and result.created == 1, (result.rejected, result.details)
    assert "date" in rows[3][0].message and rows[3][0].column == "房号"
    zhao = Resident.objects.by_id_number(pid(1301)).get()
    assert (zhao.phone, zhao.household.floor, zhao.notes, zhao.tag_list()) == ("13912345678", 3, "A & B <ok>", ["pregnant"])


def test_bulk_creation_audit_equals_the_per_record_audit(world):
    from frontline.core import audit
    from frontline.residents.bulk import creation_changes

    for obj in (world.resident_a, world.household_a):
        extra = {"tag_list": obj.tag_list()} if hasattr(obj, "tag_list") else None
        assert creation_changes(obj, extra) == audit.diff({}, audit.snapshot(obj))
    bare = Resident(household=world.household_a, name="无证")
    assert creation_changes(bare, {"tag_list": []}) == audit.diff({}, _snapshot_without_query(bare))


def _snapshot_without_query(resident):
    from frontline.core import audit

    resident.tag_list = list
    try:
        return audit.snapshot(resident)
    finally:
        del resident.tag_list


def test_bulk_insert_stores_what_save_stores(world):
    from frontline.core.bulk import create_objects

    fields = {"name": "钱多多", "id_number": pid(1501), "phone": "13900001234", "sex": "F", "relation": "spouse", "notes": "n"}
    saved = Resident(household=world.household_a, **fields)
    saved.save()
    fields["id_number"] = pid(1502)
    bulk = create_objects(Resident, [Resident(household=world.household_a, **fields)])[0]
    stored = {r.pk: r for r in Resident.objects.filter(pk__in=[saved.pk, bulk.pk])}
    a, b = stored[saved.pk], stored[bulk.pk]
    assert (b.name, b.id_number, b.phone, b.phone_tail, b.relation, b.notes) == ("钱多多", pid(1502), "13900001234", "1234", "spouse", "n")
    assert b.created_at and b.updated_at and a.phone_hash == b.phone_hash
    assert Resident.objects.by_id_number(pid(1502)).get() == b
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM residents_resident WHERE id = %s", [b.pk])
        raw = cursor.fetchone()
    assert raw[0].startswith("v1:") and pid(1502) not in str(raw) and "13900001234" not in str(raw)


def test_bulk_insert_never_reuses_the_id_of_a_deleted_resident(world, tmp_path):
    from frontline.residents import services

    last = services.create_resident(household=world.household_a, name="临时", id_number=pid(1601), actor=SYSTEM)
    deleted_pk = last.pk
    services.delete_resident(last, actor=SYSTEM)
    run(write_xlsx(tmp_path / "l.xlsx", [row("新人", pid(1602))]), world)
    assert Resident.objects.get(name="新人").pk > deleted_pk
