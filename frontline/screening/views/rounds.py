"""Round pages: overview, coverage, door-knock worklists, home sampling, bags and manifests,
tubes and results, exports. Every query goes through ``restrict``; outside scope is 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from frontline.areas.models import Area
from frontline.core.scoping import as_id, get_scoped_or_404, user_can
from frontline.residents import services as resident_services
from frontline.residents.models import Resident

from .. import coverage, exports
from ..models import Bag, Exemption, HomeTask, Lab, Round, SamplingSite, Tube
from ..services import rounds as round_service
from ..services import sampling, transport
from ..services.common import ScreeningError


def _error_text(exc) -> str:
    if isinstance(exc, ScreeningError):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("Not allowed.")


class RoundMixin(LoginRequiredMixin):
    scope_action = "view"

    def get_round(self):
        if not hasattr(self, "_round"):
            self._round = get_scoped_or_404(Round.objects.prefetch_related("areas"), self.request.user, self.scope_action,
                                            pk=self.kwargs["round_id"])
        return self._round

    def get_area(self, area_id):
        area_id = as_id(area_id)  # ?area=abc: the whole round, not a 500
        if not area_id:
            return None
        area = get_scoped_or_404(Area.objects, self.request.user, "view", pk=area_id)
        r = self.get_round()
        if not any(area.path.startswith(p) or p.startswith(area.path) for p in r.scope_paths()):
            raise Http404
        return area


class RoundView(RoundMixin, TemplateView):
    template_name = "screening/round.html"

    def get_context_data(self, **kwargs):
        r = self.get_round()
        user = self.request.user
        sites = r.sites.restrict(user).prefetch_related("desks").select_related("area")
        return {**super().get_context_data(**kwargs), "round": r, "sites": sites, "totals": coverage.totals(r, user),
                "can_export": user.has_action("export"),
                "can_manage": all(user_can(user, "change", p) for p in r.scope_paths())}


class CoverageView(RoundMixin, TemplateView):
    """Expected against sampled per compound, building and unit, with a drill-down."""

    template_name = "screening/coverage.html"

    def get_context_data(self, **kwargs):
        r = self.get_round()
        user = self.request.user
        area = self.get_area(self.request.GET.get("area"))
        if area is None:
            # A round over one community opens on its compounds, not on a single row to click.
            top = coverage.child_areas(r, user, None)
            while len(top) == 1 and top[0].kind != "unit":
                area = top[0]
                top = coverage.child_areas(r, user, area)
        rows = coverage.coverage_rows(r, user, area)
        for row in rows:
            row.has_children = row.area.kind not in ("unit",)
        totals = coverage.totals(r, user, rows, area)
        return {**super().get_context_data(**kwargs), "round": r, "area": area, "rows": rows,
                "trail": [a for a in [*area.ancestors(), area] if r.covers(a.path)] if area else [], "totals": totals}


class WorklistView(RoundMixin, TemplateView):
    """Not yet sampled, with the reason: the door-knock list (敲门).

    A building (or a unit) is one page of rows, printed as one sheet. Above a building the page is
    an index, one line per building with its counts, whose rows load when the building is opened
    (``?rows=1`` answers only the rows): a compound of 1,715 households would otherwise be several
    megabytes on a phone. Row actions open their own page; the call button reveals the phone
    through the audited reveal, one audit row per call.
    """

    template_name = "screening/worklist.html"

    def get_template_names(self):
        if self.request.GET.get("rows") == "1":
            return ["screening/_worklist_rows.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        r = self.get_round()
        area = self.get_area(self.kwargs["area_id"])
        user = self.request.user
        context = {**super().get_context_data(**kwargs), "round": r, "area": area}
        if Area.LEVELS.index(area.kind) < Area.LEVELS.index("building") and self.request.GET.get("rows") != "1":
            index = coverage.worklist_index(r, user, area)
            return {**context, "index": index, "total": sum(total for _b, total, _c in index)}
        groups = coverage.worklist_by_building(r, user, area)
        for _building, rows in groups:
            for resident in rows:
                resident.can_change = user_can(user, "change", resident.household.area.path)
                resident.can_call = bool(resident.phone) and user_can(user, "reveal", resident.household.area.path)
        return {**context, "groups": groups, "total": sum(len(rows) for _b, rows in groups)}


class WorklistCallView(RoundMixin, View):
    """Tap to call from the worklist: the phone is revealed through the audited reveal (the reason
    names the round), and the page offers it as a ``tel:`` link."""

    def post(self, request, round_id):
        r = self.get_round()
        pk = request.POST.get("resident", "")
        if not pk.isdigit():
            raise Http404
        resident = get_scoped_or_404(Resident.objects.select_related("household__area__parent"), request.user, "view", pk=pk)
        if not r.covers(resident.household.area.path):
            raise Http404
        try:
            phone = resident_services.reveal(resident, "phone", actor=request.user,
                                             reason=_("Door-knock call, round %(round)s") % {"round": r.name})
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect(_safe_next(request, request.POST.get("next")) or reverse("screening:round", args=[r.pk]))
        return TemplateResponse(request, "screening/worklist_call.html",
                                {"round": r, "resident": resident, "phone": phone,
                                 "next": _safe_next(request, request.POST.get("next", ""))})


class ResidentActionView(RoundMixin, View):
    """From the worklist: exempt a resident with a reason, or plan home sampling (GET: the form)."""

    def get(self, request, round_id, resident_id):
        r = self.get_round()
        resident = get_scoped_or_404(Resident.objects.select_related("household__area__parent"), request.user, "change", pk=resident_id)
        return TemplateResponse(request, "screening/resident_action.html", {
            "round": r, "resident": resident, "next": _safe_next(request, request.GET.get("next", "")),
            "exemption_reasons": Exemption.Reason.choices, "task_reasons": HomeTask.Reason.choices})

    def post(self, request, round_id, resident_id):
        r = self.get_round()
        resident = get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "change", pk=resident_id)
        action = request.POST.get("action")
        try:
            if action == "exempt":
                round_service.add_exemption(r, resident, reason=request.POST.get("reason", ""),
                                            evidence=request.POST.get("evidence", ""), actor=request.user)
                messages.success(request, _("%(name)s exempted from this round.") % {"name": resident.name})
            elif action == "home":
                round_service.create_home_task(r, resident, reason=request.POST.get("reason", ""),
                                               note=request.POST.get("note", ""), actor=request.user)
                messages.success(request, _("Home sampling planned for %(name)s.") % {"name": resident.name})
            else:
                raise Http404
        except (ValidationError, PermissionDenied, ScreeningError) as exc:
            messages.error(request, _error_text(exc))
        return redirect(_safe_next(request, request.POST.get("next")) or reverse("screening:round", args=[r.pk]))


def _safe_next(request, url):
    from django.utils.http import url_has_allowed_host_and_scheme

    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return ""


class HomeTasksView(RoundMixin, TemplateView):
    """Open home-sampling tasks; a sampler at the door scans the tube and completes the task."""

    template_name = "screening/home_tasks.html"

    def get_context_data(self, **kwargs):
        r = self.get_round()
        tasks = (HomeTask.objects.restrict(self.request.user).filter(round=r)
                 .select_related("resident__household__area", "sample__tube").order_by("status", "area_path", "pk"))
        return {**super().get_context_data(**kwargs), "round": r, "open_tasks": [t for t in tasks if t.status == "open"],
                "done_tasks": [t for t in tasks if t.status != "open"][:200],
                "can_sample": self.request.user.has_action("sample")}

    def post(self, request, round_id):
        r = self.get_round()
        task = get_scoped_or_404(HomeTask.objects.select_related("round"), request.user, "sample", pk=request.POST.get("task"), round=r)
        try:
            outcome = sampling.complete_home_task(task, request.POST.get("tube", ""), actor=request.user,
                                                  client_id=request.POST.get("client_id") or None)
            messages.success(request, _("Sampled: tube %(tube)s, slot %(slot)s.") % {"tube": outcome.data["tube"], "slot": outcome.data["slot"]})
        except (ScreeningError, PermissionDenied, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        return redirect("screening:home_tasks", round_id=r.pk)


class BagCreateForm(forms.Form):
    site = forms.ModelChoiceField(queryset=SamplingSite.objects.none(), label=gettext_lazy("Site"))
    barcode = forms.CharField(max_length=40, label=gettext_lazy("Bag barcode"))


class BagsView(RoundMixin, TemplateView):
    template_name = "screening/bags.html"

    def sites(self):
        return SamplingSite.objects.restrict(self.request.user, "sample").filter(round=self.get_round())

    def get_context_data(self, **kwargs):
        r = self.get_round()
        form = kwargs.pop("form", None) or BagCreateForm()
        form.fields["site"].queryset = self.sites()
        bags = Bag.objects.restrict(self.request.user).filter(round=r).select_related("site", "lab")
        sealed = Tube.objects.restrict(self.request.user).filter(round=r, status=Tube.Status.SEALED).count()
        return {**super().get_context_data(**kwargs), "round": r, "form": form, "bags": bags, "sealed_waiting": sealed}

    def post(self, request, round_id):
        form = BagCreateForm(request.POST)
        form.fields["site"].queryset = self.sites()
        if form.is_valid():
            try:
                bag = transport.create_bag(form.cleaned_data["site"], form.cleaned_data["barcode"], actor=request.user)
                return redirect("screening:bag", barcode=bag.barcode)
            except (ScreeningError, PermissionDenied) as exc:
                form.add_error("barcode", _error_text(exc))
        return self.render_to_response(self.get_context_data(form=form))


class BagView(LoginRequiredMixin, TemplateView):
    """Packing a bag: scan sealed tubes in (up to twenty), then send it to a lab."""

    template_name = "screening/bag.html"

    def get_bag(self):
        return get_scoped_or_404(Bag.objects.select_related("site", "round", "lab"), self.request.user, "view",
                                 barcode=self.kwargs["barcode"].upper())

    def get_context_data(self, **kwargs):
        bag = self.get_bag()
        return {**super().get_context_data(**kwargs), "bag": bag, "tubes": bag.tubes.order_by("barcode"),
                "labs": Lab.objects.all(), "can_pack": user_can(self.request.user, "sample", bag.area_path)}

    def post(self, request, barcode):
        bag = self.get_bag()
        try:
            if "tube" in request.POST:
                tube = transport.pack_tube(bag, request.POST["tube"], actor=request.user)
                messages.success(request, _("Tube %(code)s packed.") % {"code": tube.barcode})
            elif "remove" in request.POST:
                tube = get_scoped_or_404(Tube.objects, request.user, "view", barcode=request.POST["remove"], bag=bag)
                transport.unpack_tube(bag, tube, actor=request.user, reason=_("taken out at packing"))
            elif "lab" in request.POST:
                lab = Lab.objects.filter(pk=request.POST["lab"]).first()
                if lab is None:
                    raise ScreeningError("unknown_lab", _("Choose a laboratory."))
                transport.send_bag(bag, lab, actor=request.user)
                messages.success(request, _("Bag %(code)s sent to %(lab)s.") % {"code": bag.barcode, "lab": lab.name})
        except (ScreeningError, PermissionDenied, ValidationError) as exc:
            messages.error(request, _error_text(exc))
        return redirect("screening:bag", barcode=bag.barcode)


class ManifestView(BagView):
    template_name = "screening/manifest.html"


class ManifestXlsxView(BagView):
    def get(self, request, barcode):
        bag = self.get_bag()
        return _xlsx(exports.manifest(bag), f"manifest-{bag.barcode}.xlsx")


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class TubesView(RoundMixin, TemplateView):
    """The round's tubes with their results; filter by status or result; .xlsx for the whole list."""

    template_name = "screening/tubes.html"

    def tubes(self):
        qs = Tube.objects.restrict(self.request.user).filter(round=self.get_round()).select_related("site", "bag")
        status, result = self.request.GET.get("status"), self.request.GET.get("result")
        if status in Tube.Status.values:
            qs = qs.filter(status=status)
        if result in Tube.Result.values:
            qs = qs.filter(result=result)
        if self.request.GET.get("conflict"):
            qs = qs.filter(result_conflict=True)
        code = (self.request.GET.get("q") or "").strip().upper()
        if code:
            qs = qs.filter(barcode__startswith=code)
        return qs.order_by("-opened_at", "-pk")

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            if not request.user.has_action("export"):
                raise PermissionDenied
            return _xlsx(exports.tube_list(self.tubes()), f"tubes-{self.get_round().pk}.xlsx")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        page = Paginator(self.tubes(), 100).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return {**super().get_context_data(**kwargs), "round": self.get_round(), "page": page, "statuses": Tube.Status.choices,
                "results": Tube.Result.choices, "query": query.urlencode(), "can_export": self.request.user.has_action("export")}


class SummaryXlsxView(RoundMixin, View):
    scope_action = "export"

    def get(self, request, round_id):
        r = self.get_round()
        return _xlsx(exports.round_summary(r, request.user), f"round-{r.pk}-summary.xlsx")
