"""The ledger as .xlsx: the blank template, and the export of an area's residents.

Both use the import's columns and labels, so an export (with full numbers) imports back as it is.
The export streams: a write-only workbook, residents read in chunks, so 100,000 rows stay small
in memory. ID numbers and phones are masked unless the user holds ``reveal`` on the whole area
and asks for full numbers; that export writes ONE audit row naming how many records it revealed.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from frontline.areas.models import Area
from frontline.core import audit, personal
from frontline.core.access import can, require
from frontline.core.models import AuditEntry
from frontline.core.text import excel_row, excel_text

from .ledger import (
    COLUMNS,
    EXAMPLE_ID_NUMBER,
    RELATION_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
    _english,
    canonical_label,
)
from .models import Household, Resident, ResidentTag

TEXT_COLUMNS = ("id_number", "phone", "room", "building", "unit")
WIDTHS = {"compound": 14, "building": 10, "unit": 8, "room": 8, "floor": 6, "name": 10, "id_number": 22,
          "phone": 14, "relation": 11, "status": 9, "tags": 22, "notes": 30}
CHUNK = 2000


def _labels(kind):
    if kind == "relation":
        return RELATION_LABELS, _english(Resident.Relation.choices)
    if kind == "status":
        return STATUS_LABELS, _english(Resident.Status.choices)
    return TAG_LABELS, _english(ResidentTag.Tag.choices)


def value_label(kind, code) -> str:
    labels, english = _labels(kind)
    return canonical_label(labels, code, english)


# --- the template --------------------------------------------------------------------------------

def build_template(out) -> None:
    """A workbook to fill in: headers, an example row, text-formatted ID and phone columns, and a
    second sheet listing the allowed values (the relation and status cells offer them as a list)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Ledger")
    header_font = Font(bold=True)
    fill = PatternFill("solid", fgColor="FDECEA")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.title() + ("*" if column.required else ""))
        cell.font = header_font
        if column.required:
            cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(column.key, 12)
        if column.key in TEXT_COLUMNS:
            # Excel keeps a column's format for what is typed later: text stops 6.10103E+17.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
    example = {
        "compound": _("Example compound"), "building": "1号楼", "unit": "1单元", "room": "101", "floor": 1,
        "name": "张三", "id_number": EXAMPLE_ID_NUMBER, "phone": "13800000000",
        "relation": value_label("relation", "head"), "status": value_label("status", "present"),
        "tags": "、".join([value_label("tags", "elderly_alone"), value_label("tags", "chronic")]),
        "notes": _("Example row: delete it before importing."),
    }
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=2, column=index, value=example[column.key]).font = Font(italic=True, color="777777")
    sheet.freeze_panes = "A2"

    values = workbook.create_sheet(_("Allowed values"))
    lists = [("relation", _("Relation to head")), ("status", _("Status")), ("tags", _("Special groups"))]
    for index, (kind, title) in enumerate(lists, start=1):
        values.cell(row=1, column=index, value=title).font = header_font
        values.column_dimensions[get_column_letter(index)].width = 24
        labels, english = _labels(kind)
        for row, (code, _label) in enumerate(english, start=2):
            values.cell(row=row, column=index, value=canonical_label(labels, code, english))
        if kind != "tags":
            letter = get_column_letter(index)
            column_index = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == kind)
            validation = DataValidation(type="list", formula1=f"'{values.title}'!${letter}$2:${letter}${len(english) + 1}", allow_blank=True)
            validation.add(f"{get_column_letter(column_index)}2:{get_column_letter(column_index)}100000")
            sheet.add_data_validation(validation)
    notes = [
        _("One row per resident. Columns marked * are required; the ID number cell may be empty."),
        _("Keep the ID number and phone columns formatted as text, or Excel turns ID numbers into 6.10103E+17."),
        _("Several special groups in one cell: separate them with 、 , ; or /."),
        _("Compound, building and unit must already exist in the area you import into (or tick “create missing buildings and units”)."),
        _("A resident whose ID number is already in the ledger is updated, not added twice; empty cells keep what is stored."),
    ]
    start = max(len(_labels(k)[1]) for k, _t in lists) + 3
    for offset, text in enumerate(notes):
        values.cell(row=start + offset, column=1, value=text).alignment = Alignment(wrap_text=False)
    workbook.save(out)


# --- the export ----------------------------------------------------------------------------------

def can_reveal(user, area) -> bool:
    return can(user, "reveal", area.path)


def export_ledger(out, *, area: Area, actor, reveal=False, source="web", reason="") -> int:
    """Write the ledger of ``area`` (what ``actor`` may export there) to ``out``; returns the row count.

    The command line without --user passes a system actor: no scope limit.
    """
    require(actor, "export", area.path, _("You may not export this area."))
    if reveal and not can_reveal(actor, area):
        raise PermissionDenied(_("You may not see full ID numbers and phones in this area."))

    areas = {pk: (kind, name, parent) for pk, kind, name, parent in
             Area.objects.subtree(area).filter(kind__in=["compound", "building", "unit"]).values_list("pk", "kind", "name", "parent_id")}

    def place(area_id):
        found = {"compound": "", "building": "", "unit": ""}
        while area_id in areas:
            kind, name, parent = areas[area_id]
            found[kind] = name
            area_id = parent
        return found

    households = {pk: (place(area_id), room, floor) for pk, area_id, room, floor in
                  Household.objects.in_area(area).values_list("pk", "area_id", "room", "floor")}
    residents = Resident.objects.restrict(actor, "export")
    residents = residents.in_area(area).order_by("household__area__path", "household__room", "household_id", "id")
    tags_of = {}
    for resident_id, tag in ResidentTag.objects.filter(resident__in=residents.values("pk")).values_list("resident_id", "tag"):
        tags_of.setdefault(resident_id, []).append(tag)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Ledger"))
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(column.key, 12)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.title())
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)

    def text_cell(value):
        cell = WriteOnlyCell(sheet, value=excel_text(value))
        cell.number_format = "@"
        return cell

    labels = {kind: {code: value_label(kind, code) for code, _l in _labels(kind)[1]} for kind in ("relation", "status", "tags")}
    count = 0
    fields = ("pk", "household_id", "name", "id_number", "phone", "relation", "status", "notes")
    for pk, household_id, name, id_number, phone, relation, status, notes in residents.values_list(*fields).iterator(chunk_size=CHUNK):
        where, room, floor = households[household_id]
        if not reveal:
            id_number, phone = personal.mask_id_number(id_number), personal.mask_phone(phone)
        tags = "、".join(labels["tags"][t] for t in sorted(tags_of.get(pk, ())))
        sheet.append(excel_row([
            where["compound"], text_cell(where["building"]), text_cell(where["unit"]), text_cell(room), floor, name,
            text_cell(id_number), text_cell(phone), labels["relation"].get(relation, relation), labels["status"].get(status, status),
            tags, notes,
        ]))
        count += 1
    workbook.save(out)
    if reveal:
        audit.record(
            area, AuditEntry.Action.REVEAL, actor=actor, source=source,
            reason=reason or _("ledger export with full ID numbers and phones"),
            changes={"export": {"records": count, "fields": ["id_number", "phone"]}},
        )
    return count
