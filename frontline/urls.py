from importlib import import_module

from django.contrib import admin
from django.urls import include, path

from frontline.api import api, unknown_endpoint

HOT_ROUTES = ("checkpoints/passages",)  # every person at every gate: matched first, not after ~70 routes


def _hot_first(urls):
    """The API's URL patterns with the hot routes moved to the front, in their own order. The
    same pattern matches as before: no earlier pattern matches a hot route's exact path."""
    patterns, app_name, namespace = urls
    hot = [p for p in patterns if str(p.pattern) in HOT_ROUTES]
    return [*hot, *(p for p in patterns if p not in hot)], app_name, namespace


urlpatterns = [
    path("api/v1/", _hot_first(api.urls)),
    path("admin/", admin.site.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("frontline.accounts.urls")),
]

# Each domain app that has pages mounts them under its own prefix; core holds the dashboard at /.
for app in ("areas", "residents", "screening", "checkpoints"):
    try:
        import_module(f"frontline.{app}.urls")
    except ModuleNotFoundError:
        continue
    urlpatterns.append(path(f"{app}/", include(f"frontline.{app}.urls")))
urlpatterns.append(path("", include("frontline.core.urls")))

