"""A write that answers an error has saved nothing: every API write is one transaction
(core/middleware.py ApiTransactionMiddleware); times with an offset become local time."""

import datetime

import pytest
from django.test import Client

from frontline.accounts.models import DeviceToken
from frontline.checkpoints import services as gate_services
from frontline.checkpoints.models import Gate
from frontline.core.models import AuditEntry
from frontline.residents.models import Resident
from tests.apiclient import send

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    _token, key = DeviceToken.issue(user, "test")
    return Client(headers={"Authorization": f"Bearer {key}"}, raise_request_exception=False)


@pytest.fixture
def gate(world):
    return gate_services.create_gate(compound=world.compound_a, name="东门", actor=world.admin)


def audit_rows(obj):
    return AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk)).count()


def test_a_gate_time_with_an_offset_is_converted_to_shanghai(world, gate):
    response = send(client_of(world.street_officer), "patch", f"/checkpoints/gates/{gate.pk}", {"opens_at": "06:00:00Z", "closes_at": "22:00:00"})
    assert response.status_code == 200, response.content
    gate.refresh_from_db()
    assert gate.opens_at == datetime.time(14, 0) and gate.closes_at == datetime.time(22, 0)
    assert response.json()["opens_at"] == "14:00:00"
    response = send(client_of(world.street_officer), "patch", f"/checkpoints/gates/{gate.pk}", {"closes_at": "23:30+08:00"})
    gate.refresh_from_db()
    assert response.status_code == 200 and gate.closes_at == datetime.time(23, 30)


def test_a_gate_patch_that_fails_after_saving_leaves_nothing(world, gate, monkeypatch):
    from frontline.checkpoints import api as gate_api

    before = audit_rows(gate)

    def broken(gate):
        raise TypeError("can't compare offset-naive and offset-aware times")

    monkeypatch.setattr(gate_api, "gate_out", broken)
    response = send(client_of(world.street_officer), "patch", f"/checkpoints/gates/{gate.pk}", {"name": "西门"})
    assert response.status_code == 500
    gate.refresh_from_db()
    assert gate.name == "东门" and audit_rows(gate) == before


def test_a_resident_patch_that_fails_after_saving_leaves_nothing(world, monkeypatch):
    from frontline.residents import api as resident_api

    resident = world.resident_a
    before = audit_rows(resident)
    monkeypatch.setattr(resident_api, "resident_detail", lambda *a, **k: 1 / 0)
    response = send(client_of(world.worker_a), "patch", f"/residents/{resident.pk}", {"notes": "改过"})
    assert response.status_code == 500
    resident.refresh_from_db()
    assert resident.notes != "改过" and audit_rows(resident) == before


def test_an_error_raised_after_a_write_rolls_it_back_whatever_its_status(world, monkeypatch):
    """A service that wrote, then raised a ValidationError (answered 422): nothing stays."""
    from django.core.exceptions import ValidationError

    from frontline.residents import api as resident_api
    from frontline.residents import services

    original = services.update_resident

    def write_then_refuse(*args, **kwargs):
        original(*args, **kwargs)
        raise ValidationError({"notes": "refused after the write"})

    monkeypatch.setattr(resident_api.services, "update_resident", write_then_refuse)
    response = send(client_of(world.worker_a), "patch", f"/residents/{world.resident_a.pk}", {"notes": "改过"})
    assert response.status_code == 422
    assert Resident.objects.get(pk=world.resident_a.pk).notes != "改过"


def test_a_successful_write_is_kept(world, gate):
    response = send(client_of(world.street_officer), "patch", f"/checkpoints/gates/{gate.pk}", {"name": "西门"})
    assert response.status_code == 200
    assert Gate.objects.get(pk=gate.pk).name == "西门"
