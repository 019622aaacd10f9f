"""Lab result files (.csv, .xlsx): tube barcode, result, time — in whatever words the lab uses.

The file is read into rows here; ``services.results.report_results`` decides what each row does.
The summary lists unknown barcodes and every row that could not be read, by its row number.
"""

import datetime
import tempfile

from django.conf import settings
from django.utils.translation import gettext as _

from frontline.core.imports import Column, FileRejected, cell_text, open_table

from .models import LabResult
from .services.common import ScreeningError
from .services.results import ResultRow, report_results

# The one spreadsheet reader (core/imports.py): the file's kind told from its bytes, UTF-8 /
# GB18030 / UTF-16 text, a title above the header, blank rows, text markers (' and ="…").
COLUMNS = [
    Column("barcode", "试管条码", "Tube barcode", required=True, aliases=(
        "barcode", "tube", "tube_barcode", "条码", "管码", "样本条码", "样本编号", "试管编号", "采样管条码")),
    Column("result", "检测结果", "Result", required=True, aliases=("result", "results", "结果", "核酸结果")),
    Column("tested_at", "检测时间", "Tested at", required=True, aliases=(
        "time", "tested_at", "date", "datetime", "时间", "报告时间", "结果时间", "检测日期")),
]
LIST_LIMIT = 5000


def _cell(value):
    """A cell as the result service reads it: a date or time stays a datetime, the rest is text."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value
    return cell_text(value)


def _rejected(exc: FileRejected) -> ScreeningError:
    code = {"bad_header": "bad_header", "too_many_rows": "too_many_rows"}.get(exc.code, "bad_file")
    message = " ".join([exc.message, *exc.details])
    return ScreeningError(code, message)


def read_rows(name: str, data: bytes) -> list[ResultRow]:
    """Rows of a result file; raises ScreeningError when the file itself cannot be used."""
    lower = (name or "").lower()
    if not lower.endswith((".xlsx", ".csv", ".txt")):
        raise ScreeningError("bad_file", _("Upload a .csv or .xlsx file."))
    limit = getattr(settings, "IMPORT_MAX_ROWS", 1_000_000)
    with tempfile.NamedTemporaryFile(suffix=".upload") as handle:
        handle.write(data)
        handle.flush()
        try:
            with open_table(handle.name, COLUMNS, limit=limit) as table:
                return [ResultRow(_cell(raw["barcode"]), _cell(raw["result"]), _cell(raw["tested_at"]), ref=str(number))
                        for number, raw in table.rows()]
        except FileRejected as exc:
            raise _rejected(exc) from None


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
