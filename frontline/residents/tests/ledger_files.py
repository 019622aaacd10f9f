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
