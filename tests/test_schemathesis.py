"""Schemathesis against the OpenAPI document, through the Django WSGI app, as a street officer
holding a device token: no 500s, no undocumented status codes, responses match their schemas.

Bounded so it runs in the normal suite (about a minute on a busy 2-core machine): schemathesis'
coverage phase (boundary values of every parameter, about 1,000 requests) and ten fuzzed
examples per operation, derandomized so a run is repeatable. Operations whose input
rules JSON Schema cannot express (an ID number's check digit and birth date, an area kind that
must lie below its parent's, a status change that needs a reason) skip the one check that
assumes every schema-valid input is accepted: positive_data_acceptance.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from frontline.accounts.models import DeviceToken
from frontline.wsgi import application

# Checkpoints runs schemathesis over its own operations with its own domain rules
# (frontline/checkpoints/tests/test_api_schema.py); this covers the rest of the API.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).exclude(
    path_regex="^/api/v1/checkpoints/"
)

RULES_BEYOND_JSON_SCHEMA = {
    ("POST", "/api/v1/residents"),  # ID number check digit and date, phone prefix, birth date range
    ("PATCH", "/api/v1/residents/{id}"),  # the same, and a status change needs a reason
    ("POST", "/api/v1/residents/lookup"),  # ID number check digit and date
    ("POST", "/api/v1/areas"),  # a kind must lie below its parent's kind
    ("PATCH", "/api/v1/areas/{id}"),  # moving: the same
    ("POST", "/api/v1/households"),  # a household belongs to a compound, building or unit
    ("PATCH", "/api/v1/households/{id}"),  # moving: the same
    # screening: a round ends after it starts and its status change needs a reason; a resident
    # must live in the round's areas; barcodes have a format; a bag must still be open, a tube
    # sealed before packing; a lab only receives its own bags; a result file must be readable.
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
    # isolation: one open case per person, an end after the start; a plausible temperature (3.73
    # or 373 refused), a check-in needs some content and an open case; a release needs a negative
    # result or a reason; a full or closed site is refused without an override reason.
    ("POST", "/api/v1/isolation/cases"),
    ("POST", "/api/v1/isolation/cases/{case_id}/checkins"),
    ("POST", "/api/v1/isolation/cases/{case_id}/release"),
    ("POST", "/api/v1/isolation/cases/{case_id}/transfer"),
    # staffing: a unit serves a street or community, a member's unit serves their community, a
    # check-in goes to a community once, a need does not overlap another of its post, a roster
    # starts today or later, a solve may find no roster in time, an edit breaking a rule needs a reason.
    ("POST", "/api/v1/staffing/units"),
    ("POST", "/api/v1/staffing/members"),
    ("POST", "/api/v1/staffing/members/{member_id}/checkins"),
    ("POST", "/api/v1/staffing/members/{member_id}/unavailability"),
    ("POST", "/api/v1/staffing/posts"),
    ("POST", "/api/v1/staffing/posts/{post_id}/needs"),
    ("POST", "/api/v1/staffing/rosters"),
    ("POST", "/api/v1/staffing/rosters/{roster_id}/generate"),
    ("POST", "/api/v1/staffing/rosters/{roster_id}/publish"),
    ("POST", "/api/v1/staffing/shifts/{shift_id}"),
    # accounts: a request authenticated by a device token never issues tokens (403), whatever the body
    ("POST", "/api/v1/me/tokens"),
    ("POST", "/api/v1/users/{user_id}/tokens"),
    # roles: a role is granted only up to the grantor's own rank there, never to oneself; ids are strict integers
    ("POST", "/api/v1/roles"),
    ("PATCH", "/api/v1/roles/{assignment_id}"),
}


@pytest.fixture
def officer_token(world):
    _token, key = DeviceToken.issue(world.street_officer, "schemathesis")
    return key


@pytest.fixture
def same_connection_across_requests():
    """Calling the WSGI app directly fires request_finished, whose close_old_connections would
    close PostgreSQL's connection inside the test's transaction; Django's test client detaches
    it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_conforms_to_its_schema(case, officer_token, same_connection_across_requests):
    key = (case.operation.method.upper(), case.operation.path)
    excluded = [positive_data_acceptance] if key in RULES_BEYOND_JSON_SCHEMA else []
    if any(isinstance(value, dict) for value in (case.query or {}).values()):
        # A query string cannot carry an object: schemathesis sends its Python repr, which is a
        # valid printable string the API rightly accepts ({'\x86…': []} arrives as that text).
        excluded.append(negative_data_rejection)
    # The WSGI transport hands the body back as sent: ask for it uncompressed (GZipMiddleware).
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}", "Accept-Encoding": "identity"}, excluded_checks=excluded)
