"""Pages: import a ledger (upload, progress, result), download the template, export."""

import tempfile

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import FormView

from frontline.core.views import ActionRequiredMixin

from .. import import_jobs
from ..import_forms import ExportForm, ImportForm
from ..ledger_export import build_template, export_ledger

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportView(ActionRequiredMixin, FormView):
    required_action = "import"
    form_class = ImportForm
    template_name = "residents/import.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        stored = import_jobs.store_upload(upload)  # encrypted, 0600
        options = {
            "dry_run": form.cleaned_data["mode"] != "real",
            "strict": form.cleaned_data["strict"],
            "create_missing": form.cleaned_data["create_missing"],
        }
        token = import_jobs.start(user=self.request.user, upload=stored, filename=upload.name,
                                  area=form.cleaned_data["area"], options=options)
        return redirect("residents:import_result", job=token)


class ImportResultView(ActionRequiredMixin, View):
    """The job's page: progress while it runs (polled with htmx; read from the job's run, which
    every web worker sees), then the result and every problem."""

    required_action = "import"

    def get(self, request, job):
        state = import_jobs.get(job, request.user)
        if state is None:
            raise Http404
        return render(request, "residents/import_result.html", _context(state))


class ImportProgressView(ActionRequiredMixin, View):
    required_action = "import"

    def get(self, request, job):
        state = import_jobs.get(job, request.user)
        if state is None:
            raise Http404
        if state["state"] in ("done", "failed"):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"  # the whole page now shows the result
            return response
        return render(request, "residents/import_progress.html", _context(state))


class ImportConfirmView(ActionRequiredMixin, View):
    """"Import these rows now" after a dry run: the same file and options, for real."""

    required_action = "import"

    def post(self, request, job):
        new_token = import_jobs.confirm(job, user=request.user, accepted=request.POST.getlist("accept"),
                                        dry_run=request.POST.get("mode") == "dry")
        if new_token is None:
            raise Http404
        return redirect("residents:import_result", job=new_token)


def _context(state):
    result = state.get("result") or {}
    total = state.get("total") or 0
    percent = int(100 * state.get("done", 0) / total) if total else 0
    return {
        "job": state, "result": result, "percent": percent,
        "more_problems": max((result.get("problem_count") or 0) - len(result.get("problems") or []), 0),
        "can_confirm": state["state"] == "done" and state.get("dry_run") and bool(state.get("upload"))
                       and not result.get("rejected") and bool(result.get("created") or result.get("updated") or result.get("suggestions")),
    }


class TemplateDownloadView(ActionRequiredMixin, View):
    required_action = "import"

    def get(self, request):
        out = tempfile.TemporaryFile()
        build_template(out)
        out.seek(0)
        return FileResponse(out, as_attachment=True, filename="frontline-ledger-template.xlsx", content_type=XLSX)


class ExportView(ActionRequiredMixin, FormView):
    required_action = "export"
    form_class = ExportForm
    template_name = "residents/import_export.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        area = form.cleaned_data["area"]
        out = tempfile.TemporaryFile()
        export_ledger(out, area=area, actor=self.request.user, reveal=bool(form.cleaned_data.get("reveal")), source="web")
        out.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(out, as_attachment=True, filename=f"ledger-{area.name}-{stamp}.xlsx", content_type=XLSX)
