"""Search keys and special groups carry the path of the resident's area (a search or a group
filter inside a subtree is then one index range). The path must follow the resident wherever it
goes, and a scoped search must find everyone in scope and nobody outside it."""

import importlib

import pytest
from django.db import connection

from frontline.areas import services as area_services
from frontline.residents import api as residents_api
from frontline.residents import services
from frontline.residents.ledger import import_ledger
from frontline.residents.models import NameKey, Resident, ResidentTag
from tests.apiclient import send, token_client
from tests.factories import SYSTEM, make_id_number

from .ledger_files import pid, row, write_xlsx

pytestmark = pytest.mark.django_db


def stored_paths(resident) -> set[str]:
    """The area paths on the resident's search keys and special groups."""
    keys = set(NameKey.objects.filter(resident=resident).values_list("area_path", flat=True))
    tags = set(ResidentTag.objects.filter(resident=resident).values_list("area_path", flat=True))
    assert keys, "the resident has no search keys"
    return keys | tags


def assert_follows(resident):
    resident = Resident.objects.select_related("household__area").get(pk=resident.pk)
    assert stored_paths(resident) == {resident.household.area.path}


def ids(client, query):
    response = send(client, "get", f"/residents?{query}")
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_a_new_resident_gets_the_path_on_keys_and_groups(world):
    r = services.create_resident(household=world.household_b, name="张小明", tags=["pregnant", "hardship"],
                                 actor=world.worker_b)
    assert_follows(r)
    assert ResidentTag.objects.filter(resident=r).count() == 2


def test_keys_and_groups_follow_a_resident_moved_to_another_household(world):
    services.update_resident(world.resident_a, tags=["disabled"], actor=world.worker_a)
    assert ids(token_client(world.worker_a), "q=cxm") == [world.resident_a.pk]

    services.update_resident(world.resident_a, household=world.household_b, actor=world.street_officer)

    assert_follows(world.resident_a)
    worker_a, worker_b = token_client(world.worker_a), token_client(world.worker_b)
    assert ids(worker_a, "q=cxm") == [] and ids(worker_a, "tag=disabled") == []
    assert ids(worker_b, "q=cxm") == [world.resident_a.pk]
    assert ids(worker_b, "tag=disabled") == [world.resident_a.pk]


def test_keys_and_groups_follow_a_household_moved_to_another_area(world):
    services.update_resident(world.resident_a, tags=["chronic"], actor=world.worker_a)
    services.update_household(world.household_a, area=world.unit_c, actor=world.street_officer)
    assert_follows(world.resident_a)
    assert ids(token_client(world.worker_a), "q=zengxiaoming") == []
    assert Resident.objects.restrict(world.worker_a).with_tag("chronic").count() == 0


def test_keys_and_groups_follow_an_area_moved_in_the_tree(world):
    services.update_resident(world.resident_a, tags=["infant"], actor=world.worker_a)
    area_services.update_area(world.building_a, name="2号楼", actor=world.street_officer)
    area_services.move_area(world.building_a, world.compound_b, actor=world.street_officer)
    assert_follows(world.resident_a)
    assert_follows(world.resident_b)  # beside it, untouched
    worker_b = token_client(world.worker_b)
    assert ids(worker_b, "tag=infant") == [world.resident_a.pk]
    assert ids(worker_b, "q=cxm") == [world.resident_a.pk]
    assert ids(token_client(world.worker_a), "q=cxm") == []


def test_a_rename_keeps_the_path(world):
    services.update_resident(world.resident_b, name="单田芳", actor=world.worker_b)
    assert_follows(world.resident_b)
    assert ids(token_client(world.worker_b), "q=stf") == [world.resident_b.pk]


def people_named(world, name, count_per_household):
    """``count_per_household`` residents called ``name`` in each of households a, b and c."""
    made = {}
    seq = 500
    for household in (world.household_a, world.household_b, world.household_c):
        for _ in range(count_per_household):
            seq += 1
            r = services.create_resident(household=household, name=name, id_number=make_id_number(seq=seq),
                                         tags=["elderly_alone"] if seq % 2 else [], actor=SYSTEM)
            made.setdefault(household.pk, []).append(r.pk)
    return made


def in_ledger_order(pks):
    return list(Resident.objects.filter(pk__in=pks).order_by("household__area__path", "household_id", "id")
                .values_list("pk", flat=True))


def all_pages(client, query, limit):
    seen, url = [], f"/api/v1/residents?{query}&limit={limit}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
    return seen


@pytest.mark.parametrize("window", [None, 3])
def test_scoped_search_and_group_filter_find_everyone_in_scope_and_nobody_else(world, monkeypatch, window):
    if window:  # a window smaller than the data: pages are read from windows, in area order
        monkeypatch.setattr(residents_api, "window", lambda limit: window)
    made = people_named(world, "张晓东", 4)
    a, b, c = (made[h.pk] for h in (world.household_a, world.household_b, world.household_c))
    elderly = set(ResidentTag.objects.filter(tag="elderly_alone").values_list("resident_id", flat=True))

    worker_a, officer = token_client(world.worker_a), token_client(world.street_officer)
    assert all_pages(worker_a, "q=zxd", 2) == in_ledger_order(a)
    assert all_pages(officer, "q=zxd", 2) == in_ledger_order(a + b + c)
    assert all_pages(officer, "q=zhangx", 5) == in_ledger_order(a + b + c)
    assert all_pages(worker_a, "tag=elderly_alone", 1) == in_ledger_order(elderly & set(a))
    assert all_pages(officer, "tag=elderly_alone", 2) == in_ledger_order(elderly)
    # with a further filter that leaves a window short of a page, and with both filters at once
    assert all_pages(officer, "q=zxd&tag=elderly_alone", 2) == in_ledger_order(elderly & set(a + b + c))
    away = c[-1]
    services.update_resident(Resident.objects.get(pk=away), status="away", reason="返乡", actor=SYSTEM)
    assert all_pages(officer, "q=zxd&status=away", 2) == [away]
    assert all_pages(officer, f"q=zxd&area={world.compound_b.pk}", 3) == in_ledger_order(b)
    assert send(officer, "get", "/residents?q=zxd&count=true").json()["count"] == 12


def test_web_list_search_is_scoped(world, login):
    made = people_named(world, "张晓东", 1)
    client = login(world.worker_b)
    response = client.get("/residents/?q=zxd", follow=True)
    assert response.status_code == 200
    shown = {r.pk for r, _label in response.context["rows"]}
    assert shown == {made[world.household_b.pk][0]}


def test_import_fills_the_path(world, tmp_path):
    path = write_xlsx(tmp_path / "l.xlsx", [
        row("赵一", pid(901), tags="独居老人"),
        row("钱二", pid(902), compound="小区B", tags="慢性病"),
    ])
    result = import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False)
    assert result.created == 2
    for number in (pid(901), pid(902)):
        assert_follows(Resident.objects.by_id_number(number).get())
    # An update that moves a resident to another compound moves the path too.
    path = write_xlsx(tmp_path / "m.xlsx", [row("赵一", pid(901), compound="小区B", room="909", tags="独居老人")])
    result = import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False, create_missing=True)
    assert result.updated == 1
    zhao = Resident.objects.by_id_number(pid(901)).get()
    assert zhao.household.area.path.startswith(world.compound_b.path)
    assert_follows(zhao)


def test_the_generated_city_fills_the_path_and_the_statistics(db):
    from frontline.demo.bulk import generate_city

    city, counts = generate_city(400, name="路径测试市", street_residents=200)
    assert counts["residents"] >= 300
    residents = Resident.objects.in_area(city)
    paths = dict(residents.values_list("pk", "household__area__path"))
    for model in (NameKey, ResidentTag):
        rows = model.objects.filter(resident__in=list(paths)).values_list("resident_id", "area_path")
        assert rows and all(path == paths[pk] for pk, path in rows)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            analysed = {name for (name,) in cursor.fetchall()}
        assert {"residents_resident", "residents_namekey", "residents_residenttag"} <= analysed


def test_the_migration_fills_existing_rows(world):
    services.update_resident(world.resident_c, tags=["bedridden"], actor=SYSTEM)
    NameKey.objects.update(area_path="")
    ResidentTag.objects.update(area_path="")
    migration = importlib.import_module("frontline.residents.migrations.0002_area_path_on_keys_and_tags")

    class Editor:  # what fill_paths uses of a schema editor
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.fill_paths(None, Editor())
    for r in (world.resident_a, world.resident_b, world.resident_c):
        assert_follows(r)


def test_a_large_import_refreshes_the_statistics(world, tmp_path, monkeypatch):
    from frontline.residents import ledger

    monkeypatch.setattr(ledger, "ANALYZE_AFTER", 2)  # two rows count as large here
    path = write_xlsx(tmp_path / "l.xlsx", [row("赵一", pid(911)), row("钱二", pid(912))])
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")
    assert import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False).created == 2
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            assert "residents_namekey" in {name for (name,) in cursor.fetchall()}
        else:  # the statistics now know this test's area paths (ids, hence paths, are new in every test)
            cursor.execute("SELECT COALESCE(most_common_vals::text, '') || COALESCE(histogram_bounds::text, '') "
                           "FROM pg_stats WHERE tablename = 'residents_namekey' AND attname = 'area_path'")
            assert world.unit_a.path in cursor.fetchone()[0]
