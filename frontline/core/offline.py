"""The installable offline app: the web app manifest, the service worker and the favicon.

The service worker is a small hand-written script (templates/core/sw.js) served by a Django
view at /sw.js, so its scope can be the whole site (``Service-Worker-Allowed: /``) and its
version can be derived from the bytes of the files it precaches: any change to a field
screen's script or style gives a new worker, which the browser installs on the next online
load (docs/offline.md says why this is not Workbox).

Only the field screens (each app's ``field_screens``) and static files are cached. Nothing under /api/ and no
other page passes through the cache; the screens' queues stay in IndexedDB, which the worker
never touches."""

import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from . import registry

# The field screens' shell: what every field screen loads, precached when the worker installs,
# beside the files each app names for its own screens (FrontlineApp.field_static). Which pages
# are field screens, each app says too (FrontlineApp.field_screens).
CORE_STATIC = [
    "frontline/app.css",
    "frontline/offline-queue.js",
    "frontline/offline-app.js",
    "django_htmx/htmx-2.min.js",
    "frontline/icons/icon-192.png",
]


def shell_static() -> list[str]:
    return CORE_STATIC + registry.field_static()


SW_TEMPLATE = "core/sw.js"


def is_field_screen(path: str) -> bool:
    return any(re.match(pattern, path) for pattern in registry.field_screens())


def shell_version() -> str:
    """A digest of the precached files and of the worker's own template: it changes when any
    of them does, and only then."""
    digest = hashlib.sha256()
    for name in shell_static():
        found = finders.find(name)
        digest.update(name.encode())
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    digest.update(render_to_string(SW_TEMPLATE, _context("")).encode())
    return digest.hexdigest()[:16]


def _context(version: str) -> dict:
    return {
        "version": version,
        "precache": json.dumps([static(name) for name in shell_static()]),
        "field_screens": json.dumps(registry.field_screens()),
        "static_prefix": json.dumps(static("")),
    }


@require_GET
def service_worker(request):
    body = render_to_string(SW_TEMPLATE, _context(shell_version()))
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check the worker on each navigation; it must never come from an HTTP cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@cache_control(max_age=3600)
def manifest(request):
    data = {
        "name": _("Frontline community prevention"),
        "short_name": _("Frontline app"),
        "lang": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else settings.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f9",
        "theme_color": "#c62828",
        "icons": [
            {"src": static("frontline/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any maskable"},
            {"src": static("frontline/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(max_age=86400)
def favicon(request):
    found = finders.find("frontline/icons/favicon.ico")
    if not found:
        raise Http404
    return FileResponse(open(found, "rb"), content_type="image/x-icon")
