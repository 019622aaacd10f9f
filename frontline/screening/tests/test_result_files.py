"""Lab result files are read by the one spreadsheet reader (core/imports.py): a title row above
the header, blank rows, a barcode typed with an apostrophe, GB18030 text, real Excel dates."""

import datetime
import io

import openpyxl
import pytest

from frontline.screening.imports import read_rows
from frontline.screening.services.common import ScreeningError


def test_a_csv_in_gb18030_with_a_title_row_and_text_markers():
    text = "运城市疾控中心核酸检测结果\r\n\r\n序号,试管条码,检测结果,检测时间,备注\r\n1,'HS0000000001,阴性,2022-01-05 14:30,\r\n\r\n2,=\"HS0000000002\",阳性,2022-01-05 15:00,复核\r\n"
    rows = read_rows("结果.csv", text.encode("gb18030"))
    assert [(r.barcode, r.result, r.tested_at, r.ref) for r in rows] == [
        ("HS0000000001", "阴性", "2022-01-05 14:30", "4"), ("HS0000000002", "阳性", "2022-01-05 15:00", "6")]


def test_an_xlsx_keeps_dates_as_dates():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["条码", "结果", "时间"])
    sheet.append(["HS0000000003", "阴性", datetime.datetime(2022, 1, 5, 15, 0)])
    out = io.BytesIO()
    book.save(out)
    [row] = read_rows("r.xlsx", out.getvalue())
    assert row.barcode == "HS0000000003" and row.tested_at == datetime.datetime(2022, 1, 5, 15, 0)


@pytest.mark.parametrize("name,data,code", [
    ("r.csv", b"a,b\n1,2\n", "bad_header"),
    ("r.pdf", b"%PDF-1.4", "bad_file"),
    ("r.xlsx", b"%PDF-1.4 not a workbook", "bad_file"),
])
def test_files_that_cannot_be_read(name, data, code):
    with pytest.raises(ScreeningError) as caught:
        read_rows(name, data)
    assert caught.value.code == code
