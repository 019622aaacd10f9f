"""Lab results (file import), the conflicts to review, the single-tube retest list, alerts."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from frontline.core.alerts import acknowledge_alert
from frontline.core.models import Alert
from frontline.core.scoping import as_id, get_scoped_or_404

from .. import imports
from ..forms import ResultFileForm
from ..models import ControlFlag, LabResult, RetestItem, Tube
from ..services import results as result_service
from ..services.common import ScreeningError


class ResultImportView(LoginRequiredMixin, TemplateView):
    """A lab (or the command post, with the lab's file) imports results; the summary lists unknown
    barcodes and unreadable rows. Importing the same file again changes nothing."""

    template_name = "screening/result_import.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or user.has_action("lab") or user.has_action("import")):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "form": kwargs.get("form") or ResultFileForm()}

    def post(self, request):
        form = ResultFileForm(request.POST, request.FILES)
        summary = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                summary = imports.import_results(upload.name, upload.read(), actor=request.user)
            except ScreeningError as exc:
                form.add_error("file", exc.message)
        return self.render_to_response(self.get_context_data(form=form, summary=summary))


class ConflictsView(LoginRequiredMixin, TemplateView):
    template_name = "screening/conflicts.html"

    def get_context_data(self, **kwargs):
        pending = list(LabResult.objects.restrict(self.request.user, "change").conflicts().select_related("tube")[:500])
        accepted = dict(LabResult.objects.filter(tube_id__in=[r.tube_id for r in pending], accepted=True)
                        .values_list("tube_id", "result"))
        labels = dict(Tube.Result.choices)
        for r in pending:
            # The accepted result in the UI's language (it was the raw value: "negative").
            r.accepted_result = labels.get(accepted.get(r.tube_id, ""), accepted.get(r.tube_id, ""))
        return {**super().get_context_data(**kwargs), "pending": pending}

    def post(self, request):
        result = get_scoped_or_404(LabResult.objects, request.user, "change", pk=request.POST.get("result"))
        try:
            result_service.review_conflict(result, keep_accepted=request.POST.get("decision") != "replace",
                                           note=request.POST.get("note", ""), actor=request.user)
            messages.success(request, _("Conflict settled."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("screening:conflicts")


class RetestsView(LoginRequiredMixin, TemplateView):
    """The single-tube retest list (单管复核), grouped by positive tube, with households."""

    template_name = "screening/retests.html"

    def get_context_data(self, **kwargs):
        qs = (RetestItem.objects.restrict(self.request.user)
              .select_related("tube__round", "sample__resident", "sample__visitor", "household__area").order_by("-created_at", "tube_id", "pk"))
        round_id = as_id(self.request.GET.get("round"))
        if round_id:
            qs = qs.filter(tube__round_id=round_id)
        groups = {}
        for item in qs[:2000]:
            groups.setdefault(item.tube, []).append(item)
        flags = ControlFlag.objects.restrict(self.request.user).filter(lifted_at__isnull=True).select_related("area", "tube")
        return {**super().get_context_data(**kwargs), "groups": list(groups.items()), "flags": flags}

    def post(self, request):
        item = get_scoped_or_404(RetestItem.objects, request.user, "sample", pk=request.POST.get("item"))
        try:
            result_service.record_retest(item, actor=request.user, retest_barcode=request.POST.get("retest_barcode", ""))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.get_full_path())


class AlertAckView(LoginRequiredMixin, View):
    def post(self, request, alert_id):
        alert = get_scoped_or_404(Alert.objects.of_kinds("screening."), request.user, pk=alert_id)
        acknowledge_alert(alert, actor=request.user)
        return redirect(request.POST.get("next") or "core:dashboard")

