"""Schemathesis over the screening operations only, as a street officer with a device token:
no 500, no status the schema does not declare, responses that match their schemas.

Bounded (ten examples per operation, derandomized). The operations below have rules that JSON
Schema cannot state (a round ends after it starts, a tube barcode's format, a resident inside
the round's areas, a bag that is still open, a file's content...), so the one check that expects
every schema-valid request to succeed, positive_data_acceptance, is skipped for them.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from frontline.accounts.models import DeviceToken
from frontline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path_regex="^/api/v1/screening/")

DOMAIN_RULES = {
    ("POST", "/api/v1/screening/rounds"),
    ("POST", "/api/v1/screening/rounds/{round_id}/status"),
    ("POST", "/api/v1/screening/rounds/{round_id}/exemptions"),
    ("POST", "/api/v1/screening/desk/scan"),
    ("GET", "/api/v1/screening/desks/{desk_id}/lookup"),
    ("GET", "/api/v1/screening/desks/{desk_id}/tubes/{barcode}"),
    ("POST", "/api/v1/screening/bags"),
    ("POST", "/api/v1/screening/bags/{barcode}/tubes"),
    ("POST", "/api/v1/screening/bags/{barcode}/send"),
    ("POST", "/api/v1/screening/lab/bags/{barcode}/receive"),
    ("POST", "/api/v1/screening/lab/results/import"),
    ("POST", "/api/v1/screening/conflicts/{result_id}/review"),
    ("POST", "/api/v1/screening/home-tasks"),
    ("POST", "/api/v1/screening/home-tasks/{task_id}/complete"),
}


@pytest.fixture
def token(screening, world):
    _token, key = DeviceToken.issue(world.street_officer, "schemathesis")
    return key


@pytest.fixture
def keep_test_connection():
    # Calling the WSGI app fires request_finished, whose close_old_connections would close the
    # test's PostgreSQL connection in the middle of its transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.data_too_large])
def test_screening_api_conforms_to_its_schema(case, token, keep_test_connection):
    excluded = [positive_data_acceptance] if (case.operation.method.upper(), case.operation.path) in DOMAIN_RULES else []
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, excluded_checks=excluded)
