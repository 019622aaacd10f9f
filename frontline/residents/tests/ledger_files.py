"""Building ledger files for tests: .xlsx and .csv with the ledger's headers."""

import csv
import io
import zipfile

import openpyxl

HEADER = ["小区", "楼栋", "单元", "房号", "楼层", "姓名", "身份证号", "手机", "与户主关系", "居住状态", "特殊群体", "备注"]


def row(name="张三", id_number="", *, compound="小区A", building="1号楼", unit="1单元", room="102", floor=1,
        phone="", relation="", status="", tags="", notes=""):
    return [compound, building, unit, room, floor, name, id_number, phone, relation, status, tags, notes]


def write_xlsx(path, rows, header=HEADER, *, before=(), merge=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in before:
        sheet.append(line)
    if header is not None:
        sheet.append(header)
    for line in rows:
        sheet.append(line)
    if merge:
        sheet.merge_cells(merge)
    workbook.save(path)
    return path


def write_csv(path, rows, header=HEADER, *, encoding="utf-8-sig", delimiter=","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    if header is not None:
        writer.writerow(header)
    for line in rows:
        writer.writerow(["" if v is None else v for v in line])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def rewrite_sheet_xml(path, replace):
    """Edit the first sheet's XML inside an .xlsx (to fake what other programs write)."""
    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in items:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = replace(data.decode()).encode()
            target.writestr(info, data)
    return path


def pid(n: int) -> str:
    """A valid ID number for row ``n`` of a test ledger. Area 610113 (雁塔区): never the same as the
    world's residents (610103 with a suite-wide counter), whatever order tests run in."""
    from tests.factories import make_id_number

    return make_id_number(seq=n, area="610113")


def write_excel_style_xlsx(path, rows, header=HEADER):
    """An .xlsx written the way Excel writes one: shared strings (t="s"), numbers, and a date
    style (numFmt 14) on cells given as ("date", serial). openpyxl itself writes inline strings."""
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    strings, index = [], {}

    def shared(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    xml_rows = []
    for r, values in enumerate([header, *rows], start=1):
        cells = []
        for c, value in enumerate(values, start=1):
            ref = f"{get_column_letter(c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, tuple):
                cells.append(f'<c r="{ref}" s="1"><v>{value[1]}</v></c>')
            elif isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{shared(str(value))}</v></c>')
        xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{rel}">'
            '<sheets><sheet name="台账" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>'),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{main}">'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'),
        "xl/sharedStrings.xml": "",
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
            f'<dimension ref="A1:L{len(rows) + 1}"/><sheetData>{"".join(xml_rows)}</sheetData></worksheet>'),
    }
    files["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path
