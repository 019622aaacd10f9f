"""The installable app: manifest, service worker and favicon (core/offline.py)."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from frontline.core import offline

pytestmark = pytest.mark.django_db


def test_manifest_names_the_app_in_chinese_with_both_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    data = json.loads(response.content)
    assert data["name"] == "一线防控" and data["start_url"] == "/" and data["display"] == "standalone"
    sizes = {icon["sizes"]: icon["src"] for icon in data["icons"]}
    assert set(sizes) == {"192x192", "512x512"}
    for size, src in sizes.items():
        assert src == f"/static/frontline/icons/icon-{size.split('x')[0]}.png"
        with open(finders.find(src.removeprefix("/static/")), "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"


def test_service_worker_scope_version_and_what_it_caches(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert f'const VERSION = "{offline.shell_version()}"' in body
    assert "/static/screening/desk.js" in body and "/static/frontline/offline-queue.js" in body
    assert '/api/' in body  # never cached: passed through untouched
    assert "indexedDB" not in body  # the queue is the page's, not the worker's


def test_the_version_follows_the_precached_files(tmp_path, settings, monkeypatch):
    before = offline.shell_version()
    assert before == offline.shell_version()  # stable while nothing changes
    changed = tmp_path / "frontline" / "offline-queue.js"
    changed.parent.mkdir()
    changed.write_text("/* a new version */")
    real_find = offline.finders.find
    monkeypatch.setattr(offline.finders, "find", lambda name: str(changed) if name == "frontline/offline-queue.js" else real_find(name))
    assert offline.shell_version() != before


@pytest.mark.parametrize("path,field", [
    ("/screening/desk/5/", True), ("/checkpoints/gates/12/", True),
    ("/screening/desk/5/extra/", False), ("/residents/", False), ("/checkpoints/gates/12/live/", False),
])
def test_only_the_field_screens_are_cached(path, field):
    assert offline.is_field_screen(path) is field


def test_every_page_links_the_manifest_and_registers_the_worker(world, login):
    html = login(world.worker_a).get(reverse("core:dashboard")).content.decode()
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert "frontline/offline-app.js" in html and 'href="/favicon.ico"' in html
