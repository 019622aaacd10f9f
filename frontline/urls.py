from importlib import import_module

from django.contrib import admin
from django.urls import include, path

from frontline.api import api, unknown_endpoint

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
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

