"""Base views: every page that shows records goes through ScopedViewMixin."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.views.generic import TemplateView


class ScopedViewMixin(LoginRequiredMixin):
    """Applies ``restrict(user, action)`` to the view's queryset; outside scope is 404."""

    scope_action = "view"

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.scope_action)


class ActionRequiredMixin(LoginRequiredMixin):
    """The user must hold ``required_action`` somewhere (scope then limits where)."""

    required_action = "view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_action(self.required_action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        from frontline.areas.stats import dashboard_context

        return {**super().get_context_data(**kwargs), **dashboard_context(self.request.user),
                "panels": dashboard_panels(self.request.user)}


def dashboard_panels(user) -> list[dict]:
    """Panels other apps put on the dashboard: ``frontline.<app>.dashboard.panels(user)`` returns
    dicts with the ``template`` to include (it receives the dict as ``panel``)."""
    from importlib import import_module

    found = []
    for app in ("screening", "checkpoints"):
        try:
            module = import_module(f"frontline.{app}.dashboard")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"frontline.{app}", f"frontline.{app}.dashboard"):
                raise
            continue
        found += module.panels(user)
    return found
