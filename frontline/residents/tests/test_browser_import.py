"""Import a small ledger with one bad row on a phone: download the template from the page, fill it,
upload it as a dry run, see the bad row's number and rule, then import the valid row."""

import datetime
import re

import openpyxl
import pytest
from django.urls import reverse
from playwright.sync_api import expect

from frontline.residents.models import Resident
from tests.factories import make_id_number

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args, phone_context_args):
    return {**browser_context_args, **phone_context_args, "accept_downloads": True}


@pytest.fixture
def import_url():
    return reverse("residents:import")


def fill_template(path, rows):
    """Write ``rows`` (dicts keyed by the template's header titles) from row 2, over the example row."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    columns = {str(cell.value).rstrip("*"): cell.column for cell in sheet[1] if cell.value}
    for cell in sheet[2]:
        cell.value = None
    for offset, values in enumerate(rows):
        for title, value in values.items():
            sheet.cell(row=2 + offset, column=columns[title], value=value)
    workbook.save(path)


def test_import_a_ledger_with_one_bad_row(logged_in_page, live_server, world, import_url, tmp_path):
    good = make_id_number(birth=datetime.date(1970, 5, 4), sex="F", seq=9001)
    bad = make_id_number(birth=datetime.date(1966, 8, 9), sex="M", seq=9002)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")  # a wrong check digit
    page = logged_in_page(world.worker_a)
    page.goto(live_server.url + import_url)

    with page.expect_download() as download:
        page.locator("a[href$='.xlsx']").first.click()
    ledger = tmp_path / "台账.xlsx"
    download.value.save_as(ledger)
    place = {"小区": "小区A", "楼栋": "1号楼", "单元": "1单元"}
    fill_template(ledger, [
        {**place, "房号": "601", "姓名": "冯秀兰", "身份证号": good, "手机": "13711112222"},
        {**place, "房号": "602", "姓名": "褚国强", "身份证号": bad, "手机": "13711113333"},
    ])

    page.set_input_files("input[type=file][name=file]", str(ledger))
    page.locator("form.import-form button[type=submit]").click()
    problems = page.locator("#import-problems")
    expect(problems).to_be_visible()
    bad_row = problems.locator('tr[data-row="3"]')
    expect(bad_row).to_contain_text("身份证号")
    expect(bad_row).to_contain_text(bad[:6] + "*" * 8 + bad[-4:])  # masked, never the full number
    expect(bad_row).not_to_contain_text(bad)
    # The rule that failed, in whichever language the import reports it.
    expect(bad_row).to_contain_text(re.compile("校验位|check digit"))
    expect(problems.locator('tr[data-row="2"].problem-error')).to_have_count(0)  # a warning at most
    assert not Resident.objects.filter(name__in=["冯秀兰", "褚国强"]).exists()  # a dry run saves nothing
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1]

    page.locator("form[action$='/confirm/'] button").click()
    page.wait_for_url(re.compile(r"/import/"))
    expect(page.locator("main")).not_to_contain_text("冯秀兰")  # a summary, no personal data
    assert list(Resident.objects.filter(name__in=["冯秀兰", "褚国强"]).values_list("name", flat=True)) == ["冯秀兰"]
