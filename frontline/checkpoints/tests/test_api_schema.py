"""Schemathesis over /api/v1/checkpoints: no server error, no undocumented status or content type,
every answer matching its declared schema. The positive-data-acceptance check is left out: the
gate's rules (an ID number's check digit, a temperature of 3.73, opening equal to closing time)
cannot be written in JSON Schema, so schema-valid input is rightly refused with a 422."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from frontline.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path_regex="/checkpoints/")


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app directly fires request_started/finished, which would close the test's
    database connection inside its transaction; Django's test client detaches them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, gate_a):
    from frontline.accounts.models import DeviceToken

    _token, key = DeviceToken.issue(world.worker_a, "schema check")
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_checkpoints_api_answers_as_documented(case, token):
    # The WSGI transport hands the body back as sent: ask for it uncompressed (GZipMiddleware).
    case.call_and_validate(headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}, excluded_checks=[positive_data_acceptance])
