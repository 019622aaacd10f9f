"""Planning a round: its areas, window and pooling; its sites, desks and the staff at each desk.
Forms validate input; the services decide and check scope."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from frontline.areas.models import Area
from frontline.core.scoping import get_scoped_or_404
from frontline.core.views import ActionRequiredMixin

from ..forms import RoundForm
from ..models import Desk, DeskAssignment, Round, SamplingSite
from ..services import rounds as round_service
from .rounds import RoundMixin, _error_text


class RoundCreateView(ActionRequiredMixin, TemplateView):
    required_action = "change"
    template_name = "screening/round_form.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "form": kwargs.get("form") or RoundForm(user=self.request.user)}

    def post(self, request):
        form = RoundForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                round_obj = round_service.create_round(name=data["name"], areas=list(data["areas"]), starts_at=data["starts_at"],
                                                       ends_at=data["ends_at"], pooling=data["pooling"], notes=data["notes"],
                                                       actor=request.user)
                return redirect("screening:round_manage", round_id=round_obj.pk)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _error_text(exc))
        return self.render_to_response(self.get_context_data(form=form))


class RoundManageView(RoundMixin, TemplateView):
    """Open or close the round; add sites, desks and the staff at each desk."""

    template_name = "screening/round_manage.html"
    scope_action = "change"

    def get_context_data(self, **kwargs):
        r = self.get_round()
        user = self.request.user
        sites = SamplingSite.objects.restrict(user, "change").filter(round=r).select_related("area").prefetch_related(
            "desks__assignments__user")
        site_areas = [a for a in Area.objects.restrict(user, "change").filter(kind__in=["community", "compound", "building"])
                      .order_by("path") if any(a.path.startswith(p) or p.startswith(a.path) for p in r.scope_paths())]
        return {**super().get_context_data(**kwargs), "round": r, "sites": sites, "site_areas": site_areas,
                "statuses": Round.Status.choices, "duties": DeskAssignment.Duty.choices}

    def post(self, request, round_id):
        r = self.get_round()
        action = request.POST.get("action")
        try:
            if action == "status":
                round_service.set_round_status(r, request.POST.get("status", ""), actor=request.user,
                                               reason=request.POST.get("reason", "").strip() or _("changed on the round page"))
            elif action == "site":
                area = get_scoped_or_404(Area.objects, request.user, "change", pk=request.POST.get("area") or 0)
                round_service.add_site(r, area=area, name=request.POST.get("name", ""), location=request.POST.get("location", ""),
                                       actor=request.user)
            elif action == "desk":
                site = get_scoped_or_404(SamplingSite.objects.select_related("area"), request.user, "change",
                                         pk=request.POST.get("site") or 0, round=r)
                round_service.add_desk(site, name=request.POST.get("name", ""), actor=request.user)
            elif action == "staff":
                desk = get_scoped_or_404(Desk.objects.select_related("site__area"), request.user, "change",
                                         pk=request.POST.get("desk") or 0, site__round=r)
                person = get_user_model().objects.filter(username=request.POST.get("username", "").strip(), is_active=True).first()
                if person is None:
                    raise ValidationError(_("No active account with that user name."))
                round_service.assign_staff(desk, person, duty=request.POST.get("duty") or DeskAssignment.Duty.RECORDER,
                                           actor=request.user)
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        return redirect("screening:round_manage", round_id=r.pk)
