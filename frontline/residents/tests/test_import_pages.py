"""The import pages as a user meets them: upload, result with the problem table, progress, template."""

import datetime
import io
import json
import os
import re
import time

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from frontline.core.models import Alert, JobRun
from frontline.residents import import_jobs
from frontline.residents.models import Resident

from .ledger_files import pid, row, write_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_var_dir(settings, tmp_path):
    """Uploads kept between a dry run and its real run go to this test's own var/."""
    settings.VAR_DIR = tmp_path / "var"


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


def _run_of(client, response):
    token = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return JobRun.objects.get(key=f"residents.import:{token}")


def test_progress_fragment_polls_the_job_run_until_done(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1006))])
    response = upload(client, path, world.compound_a)
    run = _run_of(client, response)
    # Progress lives in the run (every web worker reads it), written by the worker.
    JobRun.objects.filter(pk=run.pk).update(state="running", phase="write", progress_done=250, progress_total=1000,
                                            heartbeat_at=timezone.now(), result={})
    token = run.params["token"]
    fragment = client.get(reverse("residents:import_progress", kwargs={"job": token}))
    html = fragment.content.decode()
    assert fragment.status_code == 200 and 'hx-trigger="every 1s"' in html and 'value="25"' in html and "250 / 1000" in html
    page = client.get(reverse("residents:import_result", kwargs={"job": token})).content.decode()
    assert "import-progress" in page
    JobRun.objects.filter(pk=run.pk).update(state="done")
    done = client.get(reverse("residents:import_progress", kwargs={"job": token}))
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_a_run_whose_worker_is_gone_says_it_did_not_finish(world, login, tmp_path, settings):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(1007))])
    response = upload(client, path, world.compound_a)
    run = _run_of(client, response)
    settings.JOB_STALE_SECONDS = 60
    JobRun.objects.filter(pk=run.pk).update(state="running", worker="elsewhere:1",
                                            heartbeat_at=timezone.now() - datetime.timedelta(minutes=5))
    html = follow_result(client, response).content.decode()
    assert "did not finish" in html and "nothing was saved" in html and "import-progress" not in html
    assert client.get(response["Location"] + "progress/").status_code == 204


def test_the_job_runs_on_the_queue_and_the_result_is_an_inbox_item(world, login, tmp_path):
    client = login(world.worker_a)
    path = write_xlsx(tmp_path / "l.xlsx", [row(f"人{i}", pid(1100 + i)) for i in range(30)])
    response = upload(client, path, world.compound_a, mode="real")
    run = _run_of(client, response)
    assert run.state == "done" and run.actor == world.worker_a and run.name == "residents.import"
    assert run.progress_total == 30 and run.progress_done == 30
    html = follow_result(client, response).content.decode()
    assert "Imported: 30 created" in html
    assert Resident.objects.filter(name__startswith="人").count() == 30
    alert = Alert.objects.get(kind="residents.import_done")
    assert alert.assignee == world.worker_a and alert.area_path == world.compound_a.path
    with translation.override("en"):
        assert alert.text() == "Import of l.xlsx: 30 created, 0 updated, 0 rows skipped."
    with translation.override("zh-hans"):
        assert "l.xlsx" in alert.text() and "Import of" not in alert.text()
    assert alert.target_url() == response["Location"]
    # The real run's upload is gone.
    assert not run.params["upload"] or not (import_jobs.upload_dir() / run.params["upload"]).exists()


def test_the_upload_is_kept_encrypted_and_private_then_deleted(world, login, tmp_path):
    client = login(world.worker_a)
    number = pid(1301)
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", number, phone="13912345601"), row("钱二", "12345")])
    response = upload(client, path, world.compound_a)
    run = _run_of(client, response)
    stored = import_jobs.upload_dir() / run.params["upload"]
    assert stored.exists() and stored.stat().st_mode & 0o777 == 0o600
    assert import_jobs.upload_dir().stat().st_mode & 0o777 == 0o700
    blob = stored.read_bytes()
    assert blob != path.read_bytes() and b"PK" not in blob[:4]
    # No personal value in the run's params, result, progress or error.
    text = json.dumps([run.params, run.result, run.error], ensure_ascii=False)
    assert number not in text and "13912345601" not in text
    # A problem names the row and column and shows the cell masked.
    problem = next(p for p in run.result["result"]["problems"] if p["row"] == 3)
    assert problem["value"] == "*****" and "身份证号" in problem["column"]
    confirm = reverse("residents:import_confirm", kwargs={"job": run.params["token"]})
    follow_result(client, client.post(confirm))
    assert not stored.exists()


def test_old_uploads_are_swept(world, tmp_path):
    class Upload:
        def chunks(self):
            yield b"PK\x03\x04 ledger"

    old, new = import_jobs.store_upload(Upload()), import_jobs.store_upload(Upload())
    stamp = time.time() - 2 * 24 * 3600
    os.utime(import_jobs.upload_dir() / old, (stamp, stamp))
    from frontline.core.access import system_actor
    from frontline.residents.tasks import sweep_import_uploads

    run = sweep_import_uploads.enqueue(actor=system_actor("test"))
    assert run.state == "done" and run.result["removed"] >= 1
    assert not (import_jobs.upload_dir() / old).exists() and (import_jobs.upload_dir() / new).exists()
    import_jobs.delete_upload(new)


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


def test_the_import_job_speaks_the_language_of_the_page_that_started_it(world, login, tmp_path, settings):
    """The worker has no request: it must use the uploader's language, not the server default."""
    from tests.factories import make_id_number

    assert settings.LANGUAGE_CODE == "en"  # the worker's default, unlike the page's
    client = login(world.worker_a)
    unknown_county = make_id_number(seq=1501, area="990101")
    path = write_xlsx(tmp_path / "l.xlsx", [row("孙三", unknown_county)])
    with open(path, "rb") as fh:
        response = client.post(reverse("residents:import"), {"file": fh, "area": world.compound_a.pk, "mode": "dry"},
                               HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "地区码 990101 不在已知区县列表中" in html
    assert "is not in the list of known counties" not in html
