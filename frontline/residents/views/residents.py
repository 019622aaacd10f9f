"""Resident pages: the searchable list, the detail with masked personal data and its audited
reveal, and the create / edit / delete forms. Households are in households.py.

Every read starts from ``restrict(user, ...)``: a resident outside the user's scope is 404.
A resident the user may see but not change (or reveal, or delete) is 403 for that action.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView

from frontline.areas.labels import area_labels, breadcrumbs
from frontline.core import idnumber
from frontline.core.access import require
from frontline.core.history import history_rows
from frontline.core.scoping import get_scoped_or_404, user_can
from frontline.core.searches import SessionSearchMixin
from frontline.core.views import ActionRequiredMixin, LenientPaginationMixin, apply_service_errors

from .. import services
from ..forms import ReasonForm, ResidentFilterForm, ResidentForm
from ..models import Household, Resident

PER_PAGE = 50


def filter_residents(queryset, form):
    """Apply a valid ResidentFilterForm; an invalid one (an area outside scope) shows no rows."""
    if not form.is_bound:
        return queryset
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if data.get("area"):
        queryset = queryset.in_area(data["area"])
    if data.get("tag"):
        queryset = queryset.with_tag(data["tag"])
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("q"):
        queryset = queryset.search(data["q"])
    return queryset


def household_crumbs(user, household):
    return [*breadcrumbs(user, household.area), household.area]


class ResidentListView(SessionSearchMixin, ActionRequiredMixin, LenientPaginationMixin, ListView):
    template_name = "residents/list.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        user = self.request.user
        self.form = ResidentFilterForm(self.search_data(), user=user)
        residents = Resident.objects.restrict(user).select_related("household__area").prefetch_related("tags")
        return filter_residents(residents, self.form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["object_list"]
        labels = area_labels({r.household.area for r in page})
        context.update(
            form=self.form,
            rows=[(r, labels.get(r.household.area_id, "")) for r in page],
            total=context["paginator"].count if context.get("paginator") else len(page),
        )
        return context


class ResidentDetailView(LoginRequiredMixin, DetailView):
    template_name = "residents/detail.html"
    context_object_name = "resident"

    def get_queryset(self):
        return (Resident.objects.restrict(self.request.user).select_related("household__area")
                .prefetch_related("tags"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(resident_context(self.request.user, self.object))
        return context


def resident_context(user, resident, revealed=None):
    household = resident.household
    path = household.area.path
    return {
        "resident": resident,
        "household": household,
        "household_label": area_labels([household.area]).get(household.area_id, ""),
        "crumbs": household_crumbs(user, household),
        "members": household.residents.exclude(pk=resident.pk),
        "tags": sorted(resident.tags.all(), key=lambda t: t.tag),
        "can_change": user_can(user, "change", path),
        "can_delete": user_can(user, "delete", path),
        "can_reveal": user_can(user, "reveal", path),
        "revealed": revealed or {},
        "history": history_rows(resident),
    }


@method_decorator(never_cache, name="dispatch")
class RevealView(LoginRequiredMixin, View):
    """POST only: shows one personal field in full and writes an audit row (services.reveal).

    Outside the user's view scope: 404. In view scope without ``reveal``: 403, nothing logged.
    """

    def post(self, request, pk):
        resident = get_scoped_or_404(
            Resident.objects.select_related("household__area").prefetch_related("tags"), request.user, pk=pk)
        field = request.POST.get("field", "")
        if field not in Resident.personal_fields:
            return HttpResponseBadRequest(_("Not a personal field."))
        reason = request.POST.get("reason", "").strip()[:300]
        if not reason:
            # Checked by the service too; asked before the permission so nothing is logged.
            require(request.user, "reveal", resident.household.area.path)
            return HttpResponseBadRequest(_("Say why you need to see it in full; the reason is kept in the audit log."))
        value = services.reveal(resident, field, actor=request.user, source="web", reason=reason)
        if request.htmx:
            return render(request, "residents/_revealed.html", {"field": field, "value": value})
        return render(request, "residents/detail.html", resident_context(request.user, resident, {field: value}))


class ResidentCreateView(ActionRequiredMixin, FormView):
    template_name = "residents/form.html"
    form_class = ResidentForm
    required_action = "change"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.household = get_scoped_or_404(
                Household.objects.select_related("area"), request.user, pk=kwargs["household_pk"])
            require(request.user, "change", self.household.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "household": self.household, "resident": None,
                "crumbs": household_crumbs(self.request.user, self.household)}

    def form_valid(self, form):
        try:
            resident = services.create_resident(household=self.household, actor=self.request.user,
                                                source="web", **form.service_kwargs())
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was added.") % {"name": resident.name})
        warn_about_id_number(self.request, resident)
        return redirect("residents:detail", pk=resident.pk)


def warn_about_id_number(request, resident):
    """An unknown birthplace code is only a warning (DESIGN.md, STACK-NOTES: stdnum's list is incomplete)."""
    if resident.id_number:
        for warning in idnumber.parse(resident.id_number).warnings:
            messages.warning(request, warning)


class ResidentEditView(ActionRequiredMixin, FormView):
    template_name = "residents/form.html"
    form_class = ResidentForm
    required_action = "change"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.resident = get_scoped_or_404(
                Resident.objects.select_related("household__area").prefetch_related("tags"),
                request.user, pk=kwargs["pk"])
            require(request.user, "change", self.resident.household.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.resident}

    def get_context_data(self, **kwargs):
        household = self.resident.household
        return {**super().get_context_data(**kwargs), "household": household, "resident": self.resident,
                "crumbs": household_crumbs(self.request.user, household)}

    def form_valid(self, form):
        try:
            services.update_resident(self.resident, actor=self.request.user, source="web", **form.service_kwargs())
        except ValidationError as exc:
            # The failed save may have set attributes on the instance; the page must show the stored record.
            apply_service_errors(form, exc)
            self.resident = get_object_or_404(Resident.objects.select_related("household__area"), pk=self.resident.pk)
            return self.form_invalid(form)
        messages.success(self.request, _("%(name)s was saved.") % {"name": self.resident.name})
        warn_about_id_number(self.request, self.resident)
        return redirect("residents:detail", pk=self.resident.pk)


class ResidentDeleteView(ActionRequiredMixin, FormView):
    template_name = "residents/delete.html"
    form_class = ReasonForm
    required_action = "delete"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.resident = get_scoped_or_404(
                Resident.objects.select_related("household__area"), request.user, pk=kwargs["pk"])
            require(request.user, "delete", self.resident.household.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        household = self.resident.household
        return {**super().get_context_data(**kwargs), "resident": self.resident,
                "crumbs": household_crumbs(self.request.user, household)}

    def form_valid(self, form):
        household = self.resident.household
        name = self.resident.name
        services.delete_resident(self.resident, actor=self.request.user, source="web",
                                 reason=form.cleaned_data["reason"])
        messages.success(self.request, _("%(name)s was deleted from the ledger.") % {"name": name})
        return redirect("residents:household", pk=household.pk)
