"""Area pages: the tree of the user's scope with counts per node, drill-down, area detail
with its households, child areas created and edited by those who may change there."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from frontline.core.access import require
from frontline.core.history import history_rows
from frontline.core.scoping import get_scoped_or_404, user_can
from frontline.core.views import ActionRequiredMixin, apply_service_errors
from frontline.residents.models import Household, room_order

from . import services
from .forms import AreaForm
from .labels import area_labels, breadcrumbs
from .models import Area
from .stats import group_counts, node_counts, root_areas, status_counts, with_child_counts

HOUSEHOLDS_PER_PAGE = 50


def tree_rows(user, parent, areas):
    """[(area, counts)] for the tree: households, present residents and special-group members."""
    areas = list(areas)
    counts = node_counts(user, parent, areas)
    empty = {"households": 0, "residents": 0, "groups": 0}
    return [(area, counts.get(area.path, empty)) for area in areas]


class AreaTreeView(ActionRequiredMixin, TemplateView):
    """The roots of the user's scope; each node opens in place (htmx) or on its own page."""

    template_name = "areas/tree.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rows = tree_rows(user, None, with_child_counts(root_areas(user)))
        if len(rows) == 1 and rows[0][0].n_children:
            # One root (most users): open it at once rather than show a lone closed node.
            root = rows[0][0]
            root.opened_rows = tree_rows(user, root, with_child_counts(root.children.all()))
        return {**super().get_context_data(**kwargs), "rows": rows}


class AreaChildrenView(LoginRequiredMixin, TemplateView):
    """The child rows of one node, as a fragment the tree inserts under it."""

    template_name = "areas/_tree_rows.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        area = get_scoped_or_404(Area.objects, user, "view", pk=self.kwargs["pk"])
        children = with_child_counts(area.children.all())
        return {**super().get_context_data(**kwargs), "rows": tree_rows(user, area, children)}


class AreaDetailView(LoginRequiredMixin, TemplateView):
    template_name = "areas/detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        area = get_scoped_or_404(Area.objects, user, "view", pk=self.kwargs["pk"])
        children = with_child_counts(area.children.all())
        households = (
            Household.objects.restrict(user).in_area(area).select_related("area").with_counts()
            .order_by("area__path", *room_order())
        )
        page = Paginator(households, HOUSEHOLDS_PER_PAGE).get_page(self.request.GET.get("page"))
        labels = area_labels([h.area for h in page])
        own = node_counts(user, None, [area]).get(area.path, {})
        return {
            **super().get_context_data(**kwargs),
            "area": area,
            "crumbs": breadcrumbs(user, area),
            "counts": own,
            "rows": tree_rows(user, area, children),
            "households": [(h, labels.get(h.area_id, h.area.name)) for h in page],
            "page_obj": page,
            "groups": group_counts(user, area),
            "statuses": status_counts(user, area),
            "can_change": user_can(user, "change", area.path),
            "can_delete": user_can(user, "delete", area.path),
            "holds_households": area.kind in ("compound", "building", "unit"),
            "history": history_rows(area),
        }


class AreaFormView(ActionRequiredMixin, FormView):
    """Shared by create (``parent_pk``) and edit (``pk``): both need ``change`` on the area."""

    template_name = "areas/form.html"
    form_class = AreaForm
    required_action = "change"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            key = "parent_pk" if "parent_pk" in kwargs else "pk"
            self.area = get_scoped_or_404(Area.objects, request.user, "view", pk=kwargs[key])
            require(request.user, "change", self.area.path)
        return super().dispatch(request, *args, **kwargs)

    @property
    def creating(self):
        return "parent_pk" in self.kwargs

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.creating:
            kwargs["parent"] = self.area
        else:
            kwargs["instance"] = self.area
        return kwargs

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "area": self.area, "creating": self.creating,
                "crumbs": [*breadcrumbs(self.request.user, self.area), self.area]}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            if self.creating:
                area = services.create_area(parent=self.area, actor=self.request.user, **data)
                messages.success(self.request, _("Area %(name)s created.") % {"name": area.name})
            else:
                area = services.update_area(self.area, actor=self.request.user, **data)
                messages.success(self.request, _("Area %(name)s saved.") % {"name": area.name})
        except ValidationError as exc:
            apply_service_errors(form, exc)
            return self.form_invalid(form)
        return redirect("areas:detail", pk=area.pk)


class AreaDeleteView(ActionRequiredMixin, TemplateView):
    template_name = "areas/delete.html"
    required_action = "delete"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.area = get_scoped_or_404(Area.objects, request.user, "view", pk=kwargs["pk"])
            require(request.user, "delete", self.area.path)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "area": self.area,
                "crumbs": [*breadcrumbs(self.request.user, self.area), self.area]}

    def post(self, request, *args, **kwargs):
        parent = self.area.parent
        try:
            services.delete_area(self.area, actor=request.user)
        except ValidationError as exc:
            context = self.get_context_data(errors=exc.messages)
            return self.render_to_response(context, status=409)
        messages.success(request, _("Area %(name)s deleted.") % {"name": self.area.name})
        if parent is not None and user_can(request.user, "view", parent.path):
            return redirect("areas:detail", pk=parent.pk)
        return redirect(reverse("areas:tree"))
