"""Pages for the ledgers behind the gate: passes, exemptions, exit policies, errands
(home isolation redirects to the isolation app).

Every list is ``restrict``-ed; every change goes through services with a reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core import validity
from frontline.core.scoping import get_scoped_or_404

from .. import forms, services
from ..models import ErrandRequest, Exemption, ExitPolicy, Pass
from ..pdf import pass_pdf as render_pass_pdf

LIMIT = 300


def _form_page(request, form, title, save):
    """Validate ``form``; ``save(cleaned_data)`` calls the service. Service errors land on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this here."))
        else:
            return result
    return render(request, "checkpoints/form.html", {"form": form, "title": title})


def _with_reason(request, obj, action, success, back):
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A reason is required."))
        return redirect(back)
    try:
        action(obj, reason=form.cleaned_data["reason"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(back)


# --- passes ----------------------------------------------------------------------------------------

@login_required
def pass_list(request):
    passes = Pass.objects.restrict(request.user).select_related("household__area", "issued_by")[:LIMIT]
    return render(request, "checkpoints/pass_list.html", {"passes": passes, "now": timezone.now()})


@login_required
def pass_new(request):
    form = forms.PassForm(request.POST or None, user=request.user)

    def save(data):
        gate_pass = services.issue_pass(household=data["household"], valid_from=data["valid_from"],
                                        valid_until=data["valid_until"], actor=request.user)
        messages.success(request, _("Pass %(n)s issued: print it.") % {"n": gate_pass.number})
        return redirect("checkpoints:passes")

    return _form_page(request, form, _("Issue a pass"), save)


@login_required
def pass_pdf(request, pk):
    gate_pass = get_scoped_or_404(Pass.objects.select_related("household__area"), request.user, "view", pk=pk)
    response = HttpResponse(render_pass_pdf(gate_pass), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="pass-{gate_pass.number}.pdf"'
    return response


@login_required
@require_POST
def pass_revoke(request, pk):
    gate_pass = get_scoped_or_404(Pass.objects.select_related("household__area"), request.user, "view", pk=pk)
    return _with_reason(request, gate_pass, validity.revoke, _("Pass revoked."), "checkpoints:passes")


# --- exemptions ------------------------------------------------------------------------------------

@login_required
def exemption_list(request):
    rows = Exemption.objects.restrict(request.user).select_related("resident__household__area__parent")[:LIMIT]
    return render(request, "checkpoints/exemption_list.html", {"exemptions": rows, "now": timezone.now()})


@login_required
def exemption_new(request):
    form = forms.ExemptionForm(request.POST or None, user=request.user)

    def save(data):
        services.grant_exemption(actor=request.user, **data)
        messages.success(request, _("Exemption recorded."))
        return redirect("checkpoints:exemptions")

    return _form_page(request, form, _("Grant an exemption"), save)


@login_required
@require_POST
def exemption_revoke(request, pk):
    exemption = get_scoped_or_404(Exemption.objects.select_related("resident__household__area"), request.user, "view", pk=pk)
    return _with_reason(request, exemption, validity.revoke, _("Exemption revoked."), "checkpoints:exemptions")


# --- exit policies ---------------------------------------------------------------------------------

@login_required
def policy_list(request):
    now = timezone.now()
    rows = list(ExitPolicy.objects.restrict(request.user).select_related("area", "set_by")[:LIMIT])
    for p in rows:
        p.in_force = p.effective_from <= now and (p.effective_until is None or p.effective_until > now)
    return render(request, "checkpoints/policy_list.html", {
        "policies": rows, "may_set": request.user.has_action("manage"),
    })


@login_required
def policy_new(request):
    form = forms.PolicyForm(request.POST or None, user=request.user)

    def save(data):
        services.set_policy(actor=request.user, **data)
        messages.success(request, _("Exit policy in force."))
        return redirect("checkpoints:policies")

    return _form_page(request, form, _("Set an exit policy"), save)


@login_required
@require_POST
def policy_end(request, pk):
    policy = get_scoped_or_404(ExitPolicy.objects.select_related("area"), request.user, "view", pk=pk)

    def end(obj, *, reason, actor):
        return services.end_policy(obj, reason=reason, actor=actor)

    return _with_reason(request, policy, end, _("Exit policy ended."), "checkpoints:policies")


# --- home isolation (seam) and errands ------------------------------------------------------------

# Home isolation moved to the isolation app (one source of truth): the old pages redirect there.

@login_required
def isolation_list(request):
    return redirect("isolation:ledger", permanent=True)


@login_required
def isolation_new(request):
    return redirect("isolation:case_new", permanent=True)


@login_required
def isolation_lift(request, pk):
    return redirect("isolation:ledger", permanent=True)


@login_required
def errand_list(request):
    rows = ErrandRequest.objects.restrict(request.user).select_related("resident__household__area__parent", "created_by")[:LIMIT]
    return render(request, "checkpoints/errand_list.html", {"errands": rows})
