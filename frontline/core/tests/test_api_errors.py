"""Every error under /api/ is JSON {"code", "message", "details"}: a body over the size limit, an
unhandled exception, a lost database, a CSRF refusal, a URL no API serves; and nothing is saved."""

import json

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from frontline.core.middleware import ApiErrorMiddleware
from frontline.residents.models import Resident
from tests.apiclient import API, token_client
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def is_json_error(response, status, code):
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert body["code"] == code and body["message"], body
    return body


def quiet(client):
    client.raise_request_exception = False
    return client


def new_resident(world, **extra):
    return {"household_id": world.household_a.pk, "name": "张三", "id_number": make_id_number(seq=8801), "relation": "child", **extra}


def test_a_body_over_the_size_limit(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = json.dumps(new_resident(world, notes="长" * 3000))
    response = token_client(world.worker_a).post(f"{API}/residents", body, content_type="application/json")
    error = is_json_error(response, 413, "too_large")
    assert "KB" in error["message"] or "KB" in error["message"].upper()
    assert not Resident.objects.filter(name="张三").exists()


def test_an_unhandled_exception_is_a_json_500_and_saves_nothing(world, monkeypatch):
    from frontline.residents import api as resident_api

    monkeypatch.setattr(resident_api, "resident_detail", lambda *a, **k: {}["boom"])
    client = quiet(token_client(world.worker_a))
    response = client.post(f"{API}/residents", json.dumps(new_resident(world)), content_type="application/json")
    is_json_error(response, 500, "server_error")
    assert not Resident.objects.filter(name="张三").exists()


def test_a_database_outage_is_a_json_503(world, monkeypatch):
    from frontline.residents import api as resident_api

    def gone(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(resident_api.services, "create_resident", gone)
    client = quiet(token_client(world.worker_a))
    response = client.post(f"{API}/residents", json.dumps(new_resident(world)), content_type="application/json")
    is_json_error(response, 503, "unavailable")


def test_a_url_under_api_that_no_api_serves_is_json():
    """Django's own 404 page, under /api/, becomes JSON."""
    is_json_error(quiet(Client()).get("/api/v9/whatever"), 404, "not_found")


def test_csrf_failures_are_json(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    response = client.post(f"{API}/residents", json.dumps(new_resident(world)), content_type="application/json")
    is_json_error(response, 403, "csrf_failed")
    # Refused by Django's own CSRF middleware (its HTML page), under /api/: JSON as well.
    from django.views.csrf import csrf_failure

    request = RequestFactory().post("/api/v1/residents")
    response = ApiErrorMiddleware(lambda r: csrf_failure(r, reason="CSRF cookie not set."))(request)
    is_json_error(response, 403, "csrf_failed")
    # ...and an HTML 500 from Django's handler.
    from django.http import HttpResponseServerError

    response = ApiErrorMiddleware(lambda r: HttpResponseServerError("<h1>Server Error (500)</h1>"))(RequestFactory().get("/api/v1/me"))
    is_json_error(response, 500, "server_error")
    # Pages keep their HTML.
    response = ApiErrorMiddleware(lambda r: HttpResponseServerError("<h1>x</h1>"))(RequestFactory().get("/residents/"))
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_endpoint_with_a_session_and_no_csrf_token_is_a_json_404(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.worker_a)
    is_json_error(client.post(f"{API}/no-such-thing", "{}", content_type="application/json"), 404, "not_found")


def test_a_suspicious_request_is_a_json_400(world, monkeypatch):
    from django.core.exceptions import SuspiciousOperation

    from frontline.residents import api as resident_api

    def suspicious(*args, **kwargs):
        raise SuspiciousOperation("forged")

    monkeypatch.setattr(resident_api.services, "create_resident", suspicious)
    client = quiet(token_client(world.worker_a))
    response = client.post(f"{API}/residents", json.dumps(new_resident(world)), content_type="application/json")
    is_json_error(response, 400, "bad_request")
