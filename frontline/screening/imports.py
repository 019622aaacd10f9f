"""Lab result files (.csv, .xlsx): tube barcode, result, time — in whatever words the lab uses.

The file is read into rows here; ``services.results.report_results`` decides what each row does.
The summary lists unknown barcodes and every row that could not be read, by its row number.
"""

import csv
import datetime
import io
import re

from django.conf import settings
from django.utils.translation import gettext as _

from .models import LabResult
from .services.common import ScreeningError
from .services.results import ResultRow, report_results

HEADERS = {
    "barcode": {"barcode", "tube", "tubebarcode", "tube_barcode", "条码", "试管条码", "管码", "样本条码", "样本编号", "试管编号", "采样管条码"},
    "result": {"result", "results", "结果", "检测结果", "核酸结果"},
    "tested_at": {"time", "testedat", "tested_at", "date", "datetime", "检测时间", "时间", "报告时间", "结果时间", "检测日期"},
}
LIST_LIMIT = 5000


def _key(text) -> str:
    return re.sub(r"[\s:：()（）]", "", str(text or "")).lower()


def _columns(header) -> dict[str, int] | None:
    found = {}
    for index, cell in enumerate(header):
        key = _key(cell)
        for name, aliases in HEADERS.items():
            if key in aliases and name not in found:
                found[name] = index
    return found if len(found) == 3 else None


def _cell_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    return "" if value is None else str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ScreeningError("bad_file", _("The file is neither UTF-8 nor GB18030 text."))


def _csv_rows(data: bytes):
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ScreeningError("bad_file", _("The file is not a readable .xlsx workbook.")) from None
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        book.close()


def read_rows(name: str, data: bytes) -> list[ResultRow]:
    """Rows of a result file; raises ScreeningError when the file itself cannot be used."""
    lower = (name or "").lower()
    if lower.endswith(".xlsx"):
        source = _xlsx_rows(data)
    elif lower.endswith((".csv", ".txt")):
        source = _csv_rows(data)
    else:
        raise ScreeningError("bad_file", _("Upload a .csv or .xlsx file."))
    columns, rows, limit = None, [], getattr(settings, "IMPORT_MAX_ROWS", 1_000_000)
    for number, raw in enumerate(source, start=1):
        if columns is None:
            columns = _columns(raw)
            if columns is None and number >= 5:
                raise ScreeningError("bad_header", _("No header row with the columns tube barcode, result and time (条码, 结果, 检测时间) in the first five rows."))
            continue
        if not any(v not in (None, "") for v in raw):
            continue
        cells = [_cell_text(raw[i]) if i < len(raw) else "" for i in (columns["barcode"], columns["result"], columns["tested_at"])]
        rows.append(ResultRow(cells[0], cells[1], cells[2], ref=str(number)))
        if len(rows) > limit:
            raise ScreeningError("too_many_rows", _("The file has more than %(n)s rows.") % {"n": limit})
    if columns is None:
        raise ScreeningError("bad_header", _("No header row with the columns tube barcode, result and time (条码, 结果, 检测时间)."))
    return rows


def import_results(name: str, data: bytes, *, actor) -> dict:
    rows = read_rows(name, data)
    outcomes = report_results(rows, actor=actor, source=LabResult.Source.IMPORT, source_ref=(name or "upload")[-120:])
    summary = {"file": name, "rows": len(rows), "accepted": 0, "duplicate": 0, "conflict": 0, "unknown": [], "errors": [],
               "conflicts": [], "truncated": False}
    for o in outcomes:
        if o.status in ("accepted", "duplicate"):
            summary[o.status] += 1
        elif o.status == "conflict":
            summary["conflict"] += 1
            summary["conflicts"].append({"row": o.ref, "barcode": o.barcode, "message": o.message})
        elif o.status == "unknown":
            summary["unknown"].append(o.barcode)
        else:
            summary["errors"].append({"row": o.ref, "barcode": o.barcode, "message": o.message})
    summary["unknown_count"], summary["error_count"] = len(summary["unknown"]), len(summary["errors"])
    for key in ("unknown", "errors", "conflicts"):
        if len(summary[key]) > LIST_LIMIT:
            summary[key] = summary[key][:LIST_LIMIT]
            summary["truncated"] = True
    return summary
