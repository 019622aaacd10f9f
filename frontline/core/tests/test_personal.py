"""Personal data at rest (DESIGN.md §6): no plaintext ID number or phone in the database."""

import re
import shutil
import subprocess

import pytest
from django.db import connection

from frontline.core import personal, phones
from frontline.residents.models import Resident
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_encrypt_round_trip_and_randomised():
    a, b = personal.encrypt("13912345678"), personal.encrypt("13912345678")
    assert a != b and "13912345678" not in a
    assert personal.decrypt(a) == "13912345678"


def test_lookup_hash_is_keyed_and_kind_separated():
    assert personal.lookup_hash("id", "123") == personal.lookup_hash("id", "123")
    assert personal.lookup_hash("id", "123") != personal.lookup_hash("phone", "123")


def test_model_stores_ciphertext_and_finds_by_hash(world):
    resident = world.resident_a
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, phone_tail FROM residents_resident WHERE id = %s", [resident.pk])
        stored_id, stored_phone, tail = cursor.fetchone()
    assert stored_id.startswith("v1:") and resident.id_number not in stored_id
    assert stored_phone.startswith("v1:") and "13912340001" not in stored_phone
    assert tail == "0001"
    assert Resident.objects.by_id_number(resident.id_number.lower()).get() == resident
    assert Resident.objects.by_phone("139 1234 0001").get() == resident


def _all_text_in_database() -> str:
    """Every text value of every table, as a dump would hold it."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


def test_database_holds_no_plaintext_id_number_or_phone(world):
    from frontline.demo.build import build_demo

    build_demo()
    numbers = [(r.id_number, r.phone) for r in Resident.objects.all()]
    assert len(numbers) > 6000
    text = _all_text_in_database()
    for id_number, _phone in numbers[:: max(1, len(numbers) // 500)]:
        assert id_number not in text
        assert id_number[:17] not in text
    # No stored token that looks like an ID number or a phone is one of the residents'.
    tokens = set(re.findall(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", text))
    tokens |= set(re.findall(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])", text))
    assert not tokens & {n for pair in numbers for n in pair if n}


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgresql_dump_holds_no_plaintext(transactional_db, world):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    from frontline.demo.build import build_demo

    build_demo()  # committed (transactional test), so pg_dump's own connection sees it
    numbers = {n for pair in Resident.objects.values_list("id_number", "phone") for n in pair}
    numbers.discard("")
    settings = connection.settings_dict
    dump = subprocess.run(
        ["pg_dump", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432),
         "-U", settings["USER"] or "postgres", "--data-only", settings["NAME"]],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "COPY public.residents_resident" in dump
    tokens = set(re.findall(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", dump))
    tokens |= set(re.findall(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])", dump))
    assert len(numbers) > 10000
    assert not tokens & numbers
    assert world.resident_a.id_number not in dump


def test_phone_normalise_and_mask():
    assert phones.normalise("+86 139-1234-5678") == "13912345678"
    assert phones.normalise("13912345678.0") == "13912345678"
    assert phones.mask("13912345678") == "139****5678"
    with pytest.raises(phones.PhoneError):
        phones.normalise("12345")


def test_make_id_number_helper_is_valid():
    from frontline.core import idnumber

    assert idnumber.parse(make_id_number(seq=3)).warnings == []
