"""The scheduled jobs page (/jobs/) for administrators: what runs when, the last run and its
result or error, the next run, and a "run now" button; with the latest runs of every job."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from .models import JobRun
from .queue import scheduled_jobs

RECENT = 50


class AdministratorRequiredMixin(LoginRequiredMixin):
    """The people who run the system (superusers): the ones the job_failed alerts go to."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def job_rows():
    rows = []
    for job in sorted(scheduled_jobs().values(), key=lambda j: j.name):
        rows.append({"job": job, "last": job.last_run(), "next": job.next_run()})
    return rows


class JobsView(AdministratorRequiredMixin, TemplateView):
    template_name = "core/jobs.html"

    def get_context_data(self, **kwargs):
        recent = list(JobRun.objects.order_by("-created_at", "-id")[:RECENT])
        return {**super().get_context_data(**kwargs), "jobs": job_rows(), "recent": recent}


class RunJobView(AdministratorRequiredMixin, View):
    def post(self, request, name):
        job = scheduled_jobs().get(name)
        if job is None:
            raise Http404
        run = job.run_now(actor=request.user)
        messages.success(request, _("%(job)s was queued (run %(run)s).") % {"job": job.label, "run": run.pk})
        return redirect("core:jobs")
