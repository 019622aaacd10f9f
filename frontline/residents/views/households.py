"""Household pages: list with filters, detail with its members, create / edit / delete."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView

from frontline.areas.labels import area_labels
from frontline.core.access import require
from frontline.core.history import history_rows
from frontline.core.scoping import get_scoped_or_404, user_can
from frontline.core.searches import SessionSearchMixin
from frontline.core.views import ActionRequiredMixin, LenientPaginationMixin, apply_service_errors

from .. import services
from ..forms import HouseholdFilterForm, HouseholdForm
from ..models import Household, Resident, room_order
from .residents import PER_PAGE, household_crumbs


def filter_households(queryset, form):
    if not form.is_bound:
        return queryset
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    if data.get("area"):
        queryset = queryset.in_area(data["area"])
    # Residents in the same subtrees as the households: their special groups and name keys are
    # then read inside those subtrees only (they carry the area path).
    residents = Resident.objects.scoped_to(queryset.scope_paths)
    if data.get("tag"):
        queryset = queryset.filter(pk__in=residents.tag_rows(data["tag"]).values("resident__household_id"))
    if data.get("q"):
        text = data["q"].strip()
        queryset = queryset.filter(Q(room=text) | Q(pk__in=residents.search(text).values("household_id")))
    return queryset


class HouseholdListView(SessionSearchMixin, ActionRequiredMixin, LenientPaginationMixin, ListView):
    template_name = "residents/household_list.html"
    paginate_by = PER_PAGE

    def get_queryset(self):
        user = self.request.user
        self.form = HouseholdFilterForm(self.search_data(), user=user)
        heads = Prefetch("residents", queryset=Resident.objects.filter(relation=Resident.Relation.HEAD), to_attr="heads")
        households = (Household.objects.restrict(user).select_related("area").with_counts()
                      .prefetch_related(heads).order_by("area__path", *room_order()))
        return filter_households(households, self.form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["object_list"]
        labels = area_labels({h.area for h in page})
        context.update(
            form=self.form,
            rows=[(h, labels.get(h.area_id, "")) for h in page],
            total=context["paginator"].count if context.get("paginator") else len(page),
            can_add=self.request.user.has_action("change"),
        )
        return context


class HouseholdDetailView(LoginRequiredMixin, DetailView):
    template_name = "residents/household_detail.html"
    context_object_name = "household"

    def get_queryset(self):
        return Household.objects.restrict(self.request.user).select_related("area")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        household, user = self.object, self.request.user
        path = household.area.path
        context.update(
            label=area_labels([household.area]).get(household.area_id, ""),
            crumbs=household_crumbs(user, household),
            members=household.residents.prefetch_related("tags"),
            can_change=user_can(user, "change", path),
            can_delete=user_can(user, "delete", path),
            history=history_rows(household),
        )
        return context


class HouseholdFormView(ActionRequiredMixin, FormView):
    """Create (no ``pk``; ``?area=`` preselects) or edit (``pk``) a household."""

    template_name = "residents/household_form.html"
    form_class = HouseholdForm
    required_action = "change"
    household = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and "pk" in kwargs:
            self.household = get_scoped_or_404(Household.objects.select_related("area"), request.user, pk=kwargs["pk"])
            require(request.user, "change", self.household.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user, "instance": self.household}
        if self.household is None:
            kwargs["initial_area"] = self.request.GET.get("area")
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["household"] = self.household
        if self.household is not None:
            context["crumbs"] = household_crumbs(self.request.user, self.household)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        fields = {k: data[k] for k in ("area", "room", "floor", "notes")}
        try:
            if self.household is None:
                household = services.create_household(actor=self.request.user, source="web", **fields)
                messages.success(self.request, _("Household %(room)s was added.") % {"room": household.room})
            else:
                household = services.update_household(self.household, actor=self.request.user, source="web", **fields)
                messages.success(self.request, _("Household %(room)s was saved.") % {"room": household.room})
        except ValidationError as exc:
            apply_service_errors(form, exc)
            if self.household is not None:
                self.household.refresh_from_db()
            return self.form_invalid(form)
        return redirect("residents:household", pk=household.pk)


class HouseholdDeleteView(ActionRequiredMixin, TemplateView):
    template_name = "residents/household_delete.html"
    required_action = "delete"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.household = get_scoped_or_404(Household.objects.select_related("area"), request.user, pk=kwargs["pk"])
            require(request.user, "delete", self.household.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "household": self.household,
                "crumbs": household_crumbs(self.request.user, self.household)}

    def post(self, request, *args, **kwargs):
        area = self.household.area
        try:
            services.delete_household(self.household, actor=request.user, source="web")
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(errors=exc.messages), status=409)
        messages.success(request, _("Household %(room)s was deleted.") % {"room": self.household.room})
        return redirect("areas:detail", pk=area.pk)
