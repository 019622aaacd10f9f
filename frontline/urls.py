"""The URLconf: the admin, the API, accounts, then each Frontline app's pages under its own
prefix (``FrontlineApp.url_prefix``); core holds the dashboard at /."""

from django.contrib import admin
from django.urls import include, path

from frontline.api import api, unknown_endpoint
from frontline.core import errors
from frontline.core.registry import frontline_apps

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
    path("i18n/", include("django.conf.urls.i18n")),
]

for app in frontline_apps():
    if app.url_prefix is not None:
        urlpatterns.append(path(f"{app.url_prefix}/", include(f"{app.name}.urls")))
urlpatterns.append(path("", include("frontline.core.urls")))

# The HTML error pages (core/errors.py); /api/ requests are handed to Django's defaults there.
handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
