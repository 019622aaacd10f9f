"""The import pages as a user meets them: upload, result with the problem table, progress, template."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from frontline.residents import import_jobs
from frontline.residents.models import Resident

from .ledger_files import pid, row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_pages(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def upload(client, path, area, *, mode="dry", **extra):
    with open(path, "rb") as fh:
        return client.post(reverse("residents:import"), {"file": fh, "area": area.pk, "mode": mode, **extra}, HTTP_ACCEPT_LANGUAGE="en")


def follow_result(client, response):
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")


def test_import_page_offers_only_areas_in_import_scope(world, login):
    client = login(world.worker_a)
    page = client.get(reverse("residents:import"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    options = re.findall(r'<option value="(\d+)"', page.content.decode())
    assert options == [str(world.compound_a.pk)]
    assert reverse("residents:import_template") in page.content.decode()


def test_import_page_refuses_users_without_import(world, login):
    assert login(world.volunteer_a).get(reverse("residents:import")).status_code == 403
    assert login(world.outsider).get(reverse("residents:export")).status_code == 403


def test_posting_an_area_out_of_scope_is_refused(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1001), compound="小区B")])
    response = upload(client, path, world.compound_b, mode="real")
    assert response.status_code == 200 and "area" in response.context["form"].errors
    assert not Resident.objects.filter(name="赵一").exists()


def test_dry_run_shows_each_problem_with_its_row_and_column(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1002)), row("钱二", "12345"), row("孙三", pid(1003), building="5号楼")])
    page = follow_result(client, upload(client, path, world.compound_a))
    html = page.content.decode()
    assert page.status_code == 200 and "Dry run" in html and "Nothing was saved" in html
    table = html[html.index('id="import-problems"'):]
    assert re.search(r'data-row="3".*?身份证号.*?18 characters', table, re.S)
    assert re.search(r'data-row="4".*?楼栋.*?5号楼', table, re.S)
    assert not Resident.objects.filter(name__in=["赵一", "钱二", "孙三"]).exists()
    # "Import the valid rows now" runs the same file for real, without a second upload.
    confirm = re.search(r'action="([^"]+/confirm/)"', html).group(1)
    result = follow_result(client, client.post(confirm))
    assert "Imported: 1 created" in result.content.decode()
    assert list(Resident.objects.filter(name__in=["赵一", "钱二", "孙三"]).values_list("name", flat=True)) == ["赵一"]
    # The dry run's file was handed over: confirming twice does nothing more.
    assert client.post(confirm).status_code == 404


def test_real_run_reports_counts(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("曾小明", world.resident_a.id_number, room="101", status="外出"), row("周七", pid(1004))])
    html = follow_result(client, upload(client, path, world.compound_a, mode="real")).content.decode()
    assert "Imported: 1 created, 1 updated, 0 unchanged, 0 skipped (of 2 rows)." in html
    world.resident_a.refresh_from_db()
    assert world.resident_a.status == "away"


def test_a_bad_file_is_explained_on_the_result_page(world, login, tmp_path):
    client = login(world.worker_a)
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    html = follow_result(client, upload(client, path, world.compound_a, mode="real")).content.decode()
    assert "not a spreadsheet" in html and "Nothing was imported" in html


def test_a_job_is_visible_only_to_whoever_started_it(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1005))])
    location = upload(client, path, world.compound_a)["Location"]
    assert client.get(location).status_code == 200
    other = login(world.street_officer)
    assert other.get(location).status_code == 404
    assert other.get(location + "progress/").status_code == 404


def test_progress_fragment_polls_until_done(world, login):
    client = login(world.worker_a)
    job = import_jobs.new_job(user=world.worker_a, upload_path="/nonexistent", filename="big.xlsx", area=world.compound_a,
                              options={"dry_run": False, "strict": False, "create_missing": False})
    state = import_jobs.get(job, world.worker_a)
    state.update(state="running", phase="write", done=250, total=1000)
    import_jobs._save(job, state)
    fragment = client.get(reverse("residents:import_progress", kwargs={"job": job}))
    html = fragment.content.decode()
    assert fragment.status_code == 200 and 'hx-trigger="every 1s"' in html and 'value="25"' in html and "250 / 1000" in html
    page = client.get(reverse("residents:import_result", kwargs={"job": job})).content.decode()
    assert "import-progress" in page
    state.update(state="done", result={"rejected": "", "problems": [], "problem_count": 0, "rows": 0}, summary="ok", dry_run=False)
    import_jobs._save(job, state)
    done = client.get(reverse("residents:import_progress", kwargs={"job": job}))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True)
def test_large_upload_runs_in_the_background(world, login, tmp_path, settings):
    settings.IMPORT_INLINE_MAX_BYTES = 0  # every upload goes to a thread
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row(f"人{i}", pid(1100 + i)) for i in range(30)])
    response = upload(client, path, world.compound_a, mode="real")
    job = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    import_jobs.join(job, timeout=60)
    html = follow_result(client, response).content.decode()
    assert "Imported: 30 created" in html
    assert Resident.objects.filter(name__startswith="人").count() == 30


def test_template_download(world, login):
    client = login(world.worker_a)
    response = client.get(reverse("residents:import_template"))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ledger, values = workbook.worksheets
    header = [c.value.rstrip("*") for c in ledger[1]]
    id_col = next(i for i, h in enumerate(header) if h.startswith("ID number")) + 1
    phone_col = header.index("Phone") + 1
    for column in (id_col, phone_col):
        assert ledger.cell(row=2, column=column).number_format == "@"
        assert ledger.cell(row=500, column=column).number_format == "@"
        assert isinstance(ledger.cell(row=2, column=column).value, str)
    assert ledger.cell(row=2, column=header.index("Name") + 1).value  # an example row
    listed = {c.value for col in values.iter_cols(min_row=2, max_row=12) for c in col if c.value}
    assert {"household head", "present", "moved out", "pregnant", "migrant tenant"} <= listed


def test_template_in_chinese_has_chinese_headers_and_imports_back(world, login, tmp_path):
    from frontline.residents.ledger import import_ledger
    from frontline.residents.ledger_export import build_template

    with translation.override("zh-hans"):
        path = tmp_path / "t.xlsx"
        build_template(path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["小区", "楼栋", "单元", "房号*"]
    sheet.cell(row=2, column=1, value="小区A")
    sheet.cell(row=2, column=7, value=pid(1200))
    workbook.save(path)
    result = import_ledger(path, area=world.compound_a, actor=world.worker_a, dry_run=False)
    assert result.created == 1 and Resident.objects.by_id_number(pid(1200)).get().tag_list() == ["chronic", "elderly_alone"]


def test_result_page_speaks_chinese_by_default(world, client, tmp_path, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1401)), row("钱二", pid(1402), building="9号楼")])
    with open(path, "rb") as fh, translation.override("zh-hans"):
        response = client.post(reverse("residents:import"), {"file": fh, "area": world.compound_a.pk, "mode": "dry"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "试运行" in html and "将新建" in html
    assert re.search(r'data-row="3".*?楼栋.*?没有楼栋“9号楼”', html, re.S)


@pytest.mark.django_db(transaction=True)
def test_background_import_speaks_the_language_of_the_page_that_started_it(world, login, tmp_path, settings):
    """The thread has no request: it must use the uploader's language, not the server default."""
    from tests.factories import make_id_number

    settings.IMPORT_INLINE_MAX_BYTES = 0  # every upload goes to a thread
    assert settings.LANGUAGE_CODE == "en"  # the thread's default, unlike the page's
    client = login(world.worker_a)
    unknown_county = make_id_number(seq=1501, area="990101")
    path = write_xlsx(tmp_path / "l.xlsx", [row("孙三", unknown_county)])
    with open(path, "rb") as fh:
        response = client.post(reverse("residents:import"), {"file": fh, "area": world.compound_a.pk, "mode": "dry"},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    job = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    import_jobs.join(job, timeout=60)
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "地区码 990101 不在已知区县列表中" in html
    assert "is not in the list of known counties" not in html
