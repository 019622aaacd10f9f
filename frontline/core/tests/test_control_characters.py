"""Control characters: refused on every way text comes in (API, forms, import) with the field
named, and every export still works on what is already stored (core/text.py)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from frontline.api import api
from frontline.core.text import NoControlCharacters, excel_text, find_control
from frontline.residents.ledger import import_ledger
from frontline.residents.models import Household, Resident
from frontline.residents.tests.ledger_files import pid, row, write_csv
from tests.apiclient import send, token_client
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_the_rule():
    assert find_control("李\x01四") == (1, "\x01")
    assert find_control("a\nb") and find_control("a\tb", multiline=True)
    assert find_control("第一行\r\n第二行", multiline=True) is None
    assert find_control("x\x85") and find_control("x\ud800")
    assert find_control("李四 · 欧阳") is None
    assert excel_text("李\x01四\n") == "李\ufffd四\n" and excel_text(5) == 5


def test_api_post_with_a_control_character_is_422_naming_the_field_and_stores_nothing(world, settings):
    settings.LANGUAGE_CODE = "en"
    body = {"household_id": world.household_a.pk, "name": "李\x01四", "id_number": make_id_number(seq=7001), "relation": "child"}
    response = send(token_client(world.worker_a), "post", "/residents", body, headers={"Accept-Language": "en"})
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["details"][0]["field"] == "name" and error["details"][0]["rule"] == "control_character"
    assert "control character" in error["message"] and "U+0001" in error["message"]
    assert not Resident.objects.filter(id_number_hash__isnull=False, name__contains="四").exclude(pk=world.resident_b.pk).exists()


def test_api_notes_may_break_lines_but_hold_no_other_control(world):
    client = token_client(world.worker_a)
    base = {"household_id": world.household_a.pk, "name": "赵六", "relation": "child"}
    response = send(client, "post", "/residents", {**base, "id_number": make_id_number(seq=7002), "notes": "第一行\n第二行"})
    assert response.status_code == 201, response.content
    response = send(client, "post", "/residents", {**base, "name": "赵七", "id_number": make_id_number(seq=7003), "notes": "a\x1bb"})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "notes"
    assert not Resident.objects.filter(name="赵七").exists()


def test_every_text_field_of_every_request_body_declares_the_rule():
    """The OpenAPI document: each string property of a request body has a pattern that refuses
    U+0001 (schemathesis and clients then know), or is an enum or a date/time format."""
    import re

    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    seen, missing = 0, []

    def walk(node, where, inherited=None):
        nonlocal seen
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return walk(components[name], name)
        for key in ("anyOf", "oneOf", "allOf"):
            for option in node.get(key, []):
                walk(option, where, node.get("pattern"))  # an optional field's pattern sits beside its anyOf
        if node.get("type") == "object":
            for prop, sub in (node.get("properties") or {}).items():
                walk(sub, f"{where}.{prop}")
        if node.get("type") == "array" and "items" in node:
            walk(node["items"], where + "[]")
        if node.get("type") == "string" and "enum" not in node and "format" not in node and "const" not in node:
            seen += 1
            pattern = node.get("pattern", inherited)
            if not pattern or re.search(pattern, "a\x01b"):
                missing.append(where)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body["schema"], f"{method.upper()} {path}")
    assert seen > 20
    assert not missing, missing


def test_a_form_refuses_a_control_character_naming_the_field(world, login, english):
    url = reverse("residents:edit", args=[world.resident_a.pk])
    client = login(world.worker_a)
    page = client.get(url)
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None and not isinstance(v, (list, tuple))}
    data.update(name="曾\x01明")
    response = client.post(url, data)
    assert response.status_code == 200 and "name" in response.context["form"].errors
    assert "control character" in " ".join(response.context["form"].errors["name"])
    assert Resident.objects.get(pk=world.resident_a.pk).name == "曾小明"
    # A textarea may hold line breaks.
    assert NoControlCharacters(multiline=True)("a\r\nb") is None


def test_the_import_names_the_cell(world, tmp_path):
    path = write_csv(tmp_path / "l.csv", [row("王\x02五", pid(7101)), row("钱二", pid(7102), notes="第一行\n第二行")])
    result = import_ledger(path, area=world.community, actor=world.street_officer, dry_run=False)
    assert result.created == 1
    [problem] = result.errors
    assert problem.row == 2 and problem.column == "姓名" and "U+0002" in problem.message
    assert Resident.objects.get(name="钱二").notes == "第一行\n第二行"


def _bad_resident(world):
    """A value stored before the rule existed (the ORM does not validate)."""
    resident = Resident.objects.create(household=world.household_a, name="李\x01四", notes="坏\x1b值", relation="child")
    Household.objects.filter(pk=world.household_a.pk).update(notes="x\x07")
    return resident


def test_a_stored_bad_value_still_exports_and_can_be_deleted(world, login):
    resident = _bad_resident(world)
    client = login(world.street_officer)
    response = client.post(reverse("residents:export"), {"area": world.community.pk})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [r[5] for r in book.active.iter_rows(min_row=2, values_only=True)]
    assert "李\ufffd四" in names
    # The API lists it too, and the page shows it.
    assert send(token_client(world.street_officer), "get", f"/residents/{resident.pk}").status_code == 200
    assert client.get(reverse("residents:detail", args=[resident.pk])).status_code == 200
    # ...and the worker deletes it.
    response = client.post(reverse("residents:delete", args=[resident.pk]), {"reason": "录入错误"})
    assert response.status_code == 302
    assert not Resident.objects.filter(pk=resident.pk).exists()
