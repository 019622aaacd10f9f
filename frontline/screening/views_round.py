"""Round pages: overview, coverage, door-knock worklists, home sampling, bags and manifests,
tubes and results, exports."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from frontline.core.scoping import get_scoped_or_404

from . import coverage
from .models import Round


class RoundMixin(LoginRequiredMixin):
    scope_action = "view"

    def get_round(self):
        if not hasattr(self, "_round"):
            self._round = get_scoped_or_404(Round.objects.prefetch_related("areas"), self.request.user, self.scope_action,
                                            pk=self.kwargs["round_id"])
        return self._round


class RoundView(RoundMixin, TemplateView):
    template_name = "screening/round.html"

    def get_context_data(self, **kwargs):
        r = self.get_round()
        user = self.request.user
        sites = r.sites.restrict(user).prefetch_related("desks").select_related("area")
        return {**super().get_context_data(**kwargs), "round": r, "sites": sites, "totals": coverage.totals(r, user)}
