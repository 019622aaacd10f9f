"""The API as a whole: OpenAPI document, offline docs page, JSON errors for malformed requests."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders

from frontline.api import ERRORS
from tests.apiclient import API, send, token_client

pytestmark = pytest.mark.django_db


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_openapi_document_is_served(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.") and "/api/v1/residents" in schema["paths"]


def test_every_operation_declares_every_error_status(client):
    schema = client.get(f"{API}/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            declared = {int(code) for code in operation["responses"]}
            assert set(ERRORS) <= declared, (method, path)


def test_docs_page_loads_nothing_from_another_host(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    parser = _References()
    parser.feed(html)
    scripts = [u for u in parser.urls if u.endswith(".js")]
    assert scripts, "the page should load Swagger UI"
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"external reference: {url}"
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost)", html.replace("http://www.w3.org", ""))
    # Every local file the page references is shipped (found by the static finders).
    for url in parser.urls:
        relative = url.removeprefix("/static/")
        assert finders.find(relative), f"missing static file: {url}"
    assert '"validatorUrl": null' in html


def test_malformed_json_is_400_json(world):
    client = token_client(world.worker_a)
    response = client.post(f"{API}/households", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_json_of_the_wrong_shape_is_422_naming_the_field(world):
    client = token_client(world.worker_a)
    response = client.post(f"{API}/households", data="[1, 2]", content_type="application/json")
    assert response.status_code == 422
    response = send(client, "post", "/households", {"area_id": "abc", "room": "1"})
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "area_id" and "area_id" in response.json()["message"]


def test_an_id_too_large_for_the_database_is_422_not_500(world):
    client = token_client(world.worker_a)
    assert send(client, "get", f"/residents/{2**70}").status_code == 422
    assert send(client, "get", f"/residents?area={2**70}").status_code == 422


def test_a_nul_byte_is_refused_with_422(world):
    client = token_client(world.worker_a)
    assert send(client, "get", "/residents?q=a%00b").status_code == 422
    assert send(client, "post", "/households", {"area_id": world.unit_a.pk, "room": "1\x00"}).status_code == 422


def test_unknown_endpoint_is_json_404(world):
    response = send(token_client(world.worker_a), "get", "/no/such/thing")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_body_that_is_not_an_object_changes_nothing(world):
    client = token_client(world.worker_a)
    for body in ("[null, null]", '"notes"', "42"):
        response = client.patch(f"{API}/residents/{world.resident_a.pk}", data=body, content_type="application/json")
        assert response.status_code == 422, body
        assert "JSON object" in response.json()["message"]


def test_a_number_is_not_a_date(world):
    client = token_client(world.worker_a)
    response = send(client, "patch", f"/residents/{world.resident_a.pk}", {"tags": [{"tag": "pregnant", "date": 0}]})
    assert response.status_code == 422 and response.json()["details"][0]["field"].startswith("tags")
    assert not world.resident_a.tags.exists()


def test_a_string_is_not_an_id_in_a_body(world):
    response = send(token_client(world.worker_a), "post", "/households", {"area_id": str(world.unit_a.pk), "room": "9"})
    assert response.status_code == 422 and response.json()["details"][0]["field"] == "area_id"
