"""Base views. Records reach a page only through ``restrict`` (lists) and ``get_scoped_or_404``
(one record), both in core.scoping: the one way, so no base view applies scope on its own (the
generated scope test in tests/test_scope_everything.py tries every route in and out of scope)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.views.generic import TemplateView


class ActionRequiredMixin(LoginRequiredMixin):
    """The user must hold ``required_action`` somewhere (scope then limits where)."""

    required_action = "view"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_action(self.required_action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LenientPaginationMixin:
    """A page number past the end (or not a number) shows the nearest page, not a 404:
    the list shrank since the link was made, or someone typed the address."""

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


def apply_service_errors(form, exc) -> None:
    """Put a service's ValidationError on the form: on the named fields the form has, the rest on top.

    Services name model fields (``id_number``, ``area``); a key the form lacks (``__all__``,
    ``household``) becomes a non-field error so no message is ever lost.
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            if field not in (NON_FIELD_ERRORS, None) and target is None:
                label = field.replace("_", " ")
                errors = [f"{label}: {message}" for error in errors for message in error.messages]
            form.add_error(target, errors)
    else:
        form.add_error(None, exc.messages)


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "core/dashboard.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "panels": dashboard_panels(self.request.user)}


def dashboard_panels(user) -> list[dict]:
    """Panels the apps put on the dashboard (``FrontlineApp.dashboard_panels``): each returns
    dicts with the ``template`` to include (it receives the dict as ``panel``)."""
    from .registry import frontline_apps, resolve

    found = []
    for app in frontline_apps():
        if app.dashboard_panels:
            found += resolve(app.dashboard_panels)(user)
    # Alerts first (a panel may ask for its place), then the apps in their order.
    return sorted(found, key=lambda panel: panel.get("order", 100))
