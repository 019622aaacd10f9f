"""Screening pages as people open them (server side; the desk's script is covered by browser tests)."""

import pytest

pytestmark = pytest.mark.django_db


def test_index_lists_rounds_and_the_samplers_desks(screening, login):
    page = login(screening.sampler_a).get("/screening/").content.decode()
    assert "第一轮" in page and f"/screening/desk/{screening.desk_a.pk}/" in page
    assert f"/screening/desk/{screening.desk_b.pk}/" not in page


def test_desk_page_renders_for_its_staff_and_is_404_elsewhere(screening, login, world):
    response = login(screening.sampler_a).get(f"/screening/desk/{screening.desk_a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="desk-input"' in html and "offline-queue.js" in html and 'data-capacity="10"' in html
    assert login(world.worker_b).get(f"/screening/desk/{screening.desk_a.pk}/").status_code == 404
    assert login(screening.lab_user).get(f"/screening/desk/{screening.desk_a.pk}/").status_code == 404


def test_round_page_is_scoped(screening, login, world):
    assert login(world.worker_a).get(f"/screening/rounds/{screening.round.pk}/").status_code == 200
    assert login(world.outsider).get(f"/screening/rounds/{screening.round.pk}/").status_code == 404


def test_nav_has_testing(screening, login):
    assert "/screening/" in login(screening.sampler_a).get("/").content.decode()


# --- round work pages ------------------------------------------------------------------------------

import io  # noqa: E402
import uuid  # noqa: E402

from openpyxl import load_workbook  # noqa: E402

from frontline.screening.models import Bag, Exemption, HomeTask, Tube  # noqa: E402
from frontline.screening.services import results, sampling, transport  # noqa: E402

from .conftest import scan, tube_code  # noqa: E402


def fill(screening, people, code=None, seal=True):
    code = code or tube_code()
    items = [scan(screening.desk_a, code, resident=p.pk) for p in people]
    if seal:
        items.append({"client_id": str(uuid.uuid4()), "kind": "seal", "desk": screening.desk_a.pk, "tube": code})
    sampling.ingest(items, actor=screening.sampler_a)
    return code


def test_coverage_page_with_progress_bars_and_drill_down(screening, login, world):
    people = screening.people(4)
    fill(screening, people[:2])
    page = login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/coverage/").content.decode()
    assert "小区A" in page and "小区B" in page and "40.0%" in page  # 2 of 5 in 小区A
    drill = login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/coverage/?area={world.compound_a.pk}")
    assert "1号楼" in drill.content.decode()
    assert login(world.worker_b).get(f"/screening/rounds/{screening.round.pk}/coverage/?area={world.compound_a.pk}").status_code == 404
    assert login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/coverage/?area={world.compound_c.pk}").status_code == 404


def test_coverage_opens_below_a_single_area(screening, login, world):
    """A worker who sees one compound of the round lands on its buildings, not on one row to click."""
    fill(screening, screening.people(2)[:1])
    page = login(world.worker_a).get(f"/screening/rounds/{screening.round.pk}/coverage/").content.decode()
    assert "1号楼" in page and "小区B" not in page
    # The street officer sees both compounds of the round, so nothing is skipped.
    page = login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/coverage/").content.decode()
    assert "小区A" in page and "小区B" in page


def test_worklist_lists_the_unsampled_by_building_with_reasons(screening, login, world):
    people = screening.people(3)
    code = fill(screening, people[:1])
    bag = transport.create_bag(screening.site_a, "BAG300001", actor=screening.sampler_a)
    transport.pack_tube(bag, code, actor=screening.sampler_a)
    transport.send_bag(bag, screening.lab, actor=screening.sampler_a)
    results.report_results([results.ResultRow(code, "invalid", "2022-01-05 10:00")], actor=screening.lab_user)
    client = login(world.worker_a)
    # A compound's worklist is an index of its buildings with their counts; no rows yet.
    index = client.get(f"/screening/rounds/{screening.round.pk}/worklist/{world.compound_a.pk}/").content.decode()
    assert "1号楼" in index and "试管无效" in index  # the invalid tube's person is back, with the reason
    assert people[1].name not in index
    building = client.get(f"/screening/rounds/{screening.round.pk}/worklist/{world.building_a.pk}/").content.decode()
    for p in people:
        assert p.name in building
    assert "曾小明" in building and "1号楼" in building
    assert "李四" not in building
    # The rows alone, as the index loads them when a building is opened.
    rows = client.get(f"/screening/rounds/{screening.round.pk}/worklist/{world.building_a.pk}/?rows=1").content.decode()
    assert people[0].name in rows and "<html" not in rows


def test_worklist_rooms_read_in_order_and_name_their_building(screening, login, world):
    from frontline.residents.models import Household
    from tests.factories import resident

    for room in ("1002", "102", "103"):
        resident(Household.objects.create(area=world.unit_a, room=room), f"住户{room}")
    page = login(world.worker_a).get(f"/screening/rounds/{screening.round.pk}/worklist/{world.building_a.pk}/").content.decode()
    assert page.index("住户102") < page.index("住户103") < page.index("住户1002")
    assert "1号楼 1单元 1002" in page


def test_worklist_call_reveals_the_phone_with_one_audit_row(screening, login, world):
    from frontline.core.models import AuditEntry

    url = f"/screening/rounds/{screening.round.pk}/worklist/call/"
    page = login(world.worker_a).get(f"/screening/rounds/{screening.round.pk}/worklist/{world.building_a.pk}/").content.decode()
    assert f'name="resident" value="{world.resident_a.pk}"' in page  # the call button
    response = login(world.worker_a).post(url, {"resident": world.resident_a.pk, "next": "javascript:alert(1)"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="tel:13912340001"' in html and "javascript:" not in html
    reveals = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL, object_id=str(world.resident_a.pk))
    assert reveals.count() == 1 and "敲门" in reveals.get().reason
    # Outside the worker's areas: as if the resident did not exist; without the reveal right: refused.
    assert login(world.worker_a).post(url, {"resident": world.resident_b.pk}).status_code == 404
    assert login(world.worker_a).post(url, {"resident": "abc"}).status_code == 404
    assert login(world.volunteer_a).post(url, {"resident": world.resident_a.pk}).status_code == 403
    volunteer_page = login(world.volunteer_a).get(f"/screening/rounds/{screening.round.pk}/worklist/{world.building_a.pk}/")
    assert f'name="resident" value="{world.resident_a.pk}"' not in volunteer_page.content.decode()
    assert reveals.count() == 1


def test_resident_action_page_offers_both_forms_and_drops_a_foreign_next(screening, login, world):
    url = f"/screening/rounds/{screening.round.pk}/residents/{world.resident_a.pk}/"
    html = login(world.worker_a).get(url + "?next=https://evil.example/").content.decode()
    assert 'value="exempt"' in html and 'value="home"' in html and 'href="https://evil' not in html
    response = login(world.worker_a).post(url, {"action": "home", "reason": "bedridden", "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_exempt_and_plan_home_sampling_from_the_worklist(screening, login, world):
    client = login(world.worker_a)
    url = f"/screening/rounds/{screening.round.pk}/residents/{world.resident_a.pk}/"
    client.post(url, {"action": "exempt", "reason": "away", "evidence": ""})
    assert not Exemption.objects.exists()  # evidence required for "away"
    client.post(url, {"action": "home", "reason": "bedridden"})
    assert HomeTask.objects.get().resident == world.resident_a
    assert login(world.worker_b).post(f"/screening/rounds/{screening.round.pk}/residents/{world.resident_a.pk}/",
                                      {"action": "home", "reason": "bedridden"}).status_code == 404


def test_home_task_completed_from_the_phone_page(screening, login, world):
    from frontline.screening.services import rounds

    task = rounds.create_home_task(screening.round, world.resident_a, reason="bedridden", actor=world.worker_a)
    client = login(screening.sampler_a)
    page = client.get(f"/screening/rounds/{screening.round.pk}/home-tasks/").content.decode()
    assert "曾小明" in page
    client.post(f"/screening/rounds/{screening.round.pk}/home-tasks/", {"task": task.pk, "tube": "bad"})
    task.refresh_from_db()
    assert task.status == "open"
    client.post(f"/screening/rounds/{screening.round.pk}/home-tasks/", {"task": task.pk, "tube": tube_code()})
    task.refresh_from_db()
    assert task.status == "done"


def test_bag_pages_pack_send_and_manifest(screening, login):
    codes = [fill(screening, screening.people(2, start=10 * i)) for i in range(2)]
    client = login(screening.sampler_a)
    response = client.post(f"/screening/rounds/{screening.round.pk}/bags/", {"site": screening.site_a.pk, "barcode": "bag123456"})
    assert response.status_code == 302
    bag = Bag.objects.get(barcode="BAG123456")
    for code in codes:
        client.post(f"/screening/bags/{bag.barcode}/", {"tube": code})
    client.post(f"/screening/bags/{bag.barcode}/", {"tube": "HS0000000000"})  # unknown: refused, nothing packed
    bag.refresh_from_db()
    assert bag.tube_count == 2
    client.post(f"/screening/bags/{bag.barcode}/", {"lab": screening.lab.pk})
    bag.refresh_from_db()
    assert bag.status == "sent" and bag.lab == screening.lab
    manifest = client.get(f"/screening/bags/{bag.barcode}/manifest/").content.decode()
    assert all(code in manifest for code in codes)
    xlsx = client.get(f"/screening/bags/{bag.barcode}/manifest.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert all(code in values for code in codes) and "BAG123456" in values


def test_round_summary_xlsx_per_building(screening, login, world):
    fill(screening, screening.people(3)[:2])
    response = login(world.street_officer).get(f"/screening/rounds/{screening.round.pk}/summary.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("小区A", "1号楼", 4, 2, 2, 50.0) in rows and ("小区B", "1号楼", 1, 0, 1, 0.0) in rows
    assert rows[-1][2:5] == (5, 2, 3)
    assert len(list(book.worksheets[1].iter_rows())) == 2  # header + one tube
    assert login(world.volunteer_a).get(f"/screening/rounds/{screening.round.pk}/summary.xlsx").status_code == 404


def test_tube_list_with_results_and_xlsx(screening, login, world):
    code = fill(screening, [world.resident_a])
    client = login(world.worker_a)
    page = client.get(f"/screening/rounds/{screening.round.pk}/tubes/").content.decode()
    assert code in page
    sheet = load_workbook(io.BytesIO(client.get(f"/screening/rounds/{screening.round.pk}/tubes/?format=xlsx").content)).active
    assert [r[0] for r in sheet.iter_rows(values_only=True)][1:] == [code]
    assert code not in login(world.worker_b).get(f"/screening/rounds/{screening.round.pk}/tubes/").content.decode()
    assert Tube.objects.count() == 1


def test_result_import_page_and_dashboard_alert(screening, login, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = fill(screening, screening.people(2))
    bag = transport.create_bag(screening.site_a, "BAG400001", actor=screening.sampler_a)
    transport.pack_tube(bag, code, actor=screening.sampler_a)
    transport.send_bag(bag, screening.lab, actor=screening.sampler_a)
    content = f"条码,结果,检测时间\n{code},阳性,2022-01-05 10:00\nHS0000000001,阴性,2022-01-05 10:00\n{code},阴性,not a date\n".encode()
    page = login(screening.lab_user).post("/screening/results/import/",
                                          {"file": SimpleUploadedFile("r.csv", content, content_type="text/csv")})
    html = page.content.decode()
    assert "HS0000000001" in html and "not a date" in html
    assert Tube.objects.get(barcode=code).result == "positive"
    leader_page = login(screening.leader_a).get("/").content.decode()
    assert "混管阳性" in leader_page and code in leader_page
    assert code not in login(world.worker_b).get("/").content.decode()
    retests = login(world.worker_a).get("/screening/retests/").content.decode()
    assert "居民000" in retests and "居民001" in retests
    assert login(world.volunteer_a).get("/screening/results/import/").status_code == 404


# --- planning a round ---------------------------------------------------------------------------------

def test_plan_a_round_with_sites_desks_and_staff(world, login):
    from frontline.screening.models import Desk, DeskAssignment, Round, SamplingSite
    from tests.factories import UserFactory, grant

    client = login(world.worker_a)
    form = {"name": "第二轮", "areas": [world.compound_a.pk], "starts_at": "2022-01-06T08:00", "ends_at": "2022-01-06T20:00",
            "pooling": "20"}
    assert client.post("/screening/rounds/new/", {**form, "areas": [world.compound_b.pk]}).status_code == 200  # not theirs
    assert client.post("/screening/rounds/new/", {**form, "ends_at": "2022-01-05T20:00"}).status_code == 200  # ends before
    assert not Round.objects.exists()
    response = client.post("/screening/rounds/new/", form)
    round_obj = Round.objects.get()
    assert response.status_code == 302 and round_obj.pooling == "20" and round_obj.status == "planned"
    manage = f"/screening/rounds/{round_obj.pk}/manage/"
    client.post(manage, {"action": "status", "status": "open", "reason": "开始"})
    client.post(manage, {"action": "site", "area": world.compound_a.pk, "name": "东门"})
    site = SamplingSite.objects.get()
    client.post(manage, {"action": "desk", "site": site.pk, "name": "1号台"})
    desk = Desk.objects.get()
    volunteer = grant(UserFactory(username="vol2"), "volunteer", world.compound_a)
    client.post(manage, {"action": "staff", "desk": desk.pk, "username": "vol2", "duty": "recorder"})
    client.post(manage, {"action": "staff", "desk": desk.pk, "username": "worker_b"})  # no sampling role in 小区A
    assert list(DeskAssignment.objects.values_list("user__username", flat=True)) == [volunteer.username]
    round_obj.refresh_from_db()
    assert round_obj.status == "open"
    assert login(world.worker_b).get(manage).status_code == 404
