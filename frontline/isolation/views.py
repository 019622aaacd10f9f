"""Pages of the isolation app: the ledger, a case, its forms, the sites. Mobile-first; every read
starts from ``restrict``, every write goes through ``services`` (errors land on the form)."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.scoping import get_scoped_or_404

from . import forms, services
from .ledger import indicators, ledger_page
from .models import IsolationCase, IsolationSite, Transfer

LIMIT = 500
PAGE = 200  # ledger rows on one page, most urgent first (the count says how many in all)


def _apply(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_page(request, form, title, save, back=None):
    if request.method == "POST" and form.is_valid():
        try:
            return save(form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this here."))
    return render(request, "isolation/form.html", {"form": form, "title": title, "back": back})


def _case(request, pk, action="view"):
    return get_scoped_or_404(IsolationCase.objects.select_related("resident__household__area", "site"), request.user, action, pk=pk)


@login_required
def ledger(request):
    now = timezone.now()
    rows = ledger_page(request.user, now, limit=PAGE)
    for case in rows:
        case.remaining = case.days_remaining(now)
        case.day = case.day_number(now)
    return render(request, "isolation/ledger.html", {"cases": rows, "stats": indicators(request.user, now), "now": now,
                                                    "page": PAGE})


@login_required
def case_detail(request, pk):
    case = _case(request, pk)
    now = timezone.now()
    return render(request, "isolation/case.html", {
        "case": case, "now": now, "remaining": case.days_remaining(now), "day": case.day_number(now),
        "fever": bool(case.last_alarm_at and case.last_alarm_at >= now - datetime.timedelta(hours=24)),
        # Household members isolated together (their own cases, same scope).
        "together": (IsolationCase.objects.restrict(request.user).open().filter(resident__household_id=case.resident.household_id)
                     .exclude(pk=case.pk).select_related("resident").only("id", "kind", "planned_end", "resident__name")),
        "events": case.events.select_related("by"), "checkins": case.checkins.select_related("created_by")[:60],
        "transfers": case.transfers.select_related("site", "escort"),
        "checkin_form": forms.CheckInForm(), "extend_form": forms.ExtendForm(), "release_form": forms.ReleaseForm(),
    })


@login_required
def case_new(request):
    form = forms.CaseForm(request.POST or None, user=request.user)

    def save(data):
        case = services.open_case(resident=data["resident"], kind=data["kind"], reason=data["reason"],
                                  source_text=data["source_text"], start=data["start"], days=data["days"],
                                  policy_notes=data["policy_notes"], actor=request.user)
        messages.success(request, _("Isolation case opened."))
        return redirect(case)

    return _form_page(request, form, _("New isolation case"), save, back="isolation:ledger")


def _case_form(request, pk, form_class, title, save, action="change", **form_kwargs):
    case = _case(request, pk)
    form = form_class(request.POST or None, **form_kwargs)

    def done(data):
        save(case, data)
        return redirect(case)

    response = _form_page(request, form, title, done)
    return response


@login_required
def checkin(request, pk):
    case = _case(request, pk)
    form = forms.CheckInForm(request.POST or None)

    def save(data):
        _checkin, created = services.record_checkin(
            case, temperature=data["temperature"], symptoms=data["symptoms"], antigen=data["antigen"] or "",
            note=data["note"], client_id=data["client_id"], actor=request.user)
        messages.success(request, _("Check-in recorded.") if created else _("This check-in was already recorded."))
        return redirect(case)

    return _form_page(request, form, _("Check-in"), save)


@login_required
def extend(request, pk):
    def save(case, data):
        services.change_planned_end(case, planned_end=data["planned_end"], reason=data["reason"], actor=request.user)
        messages.success(request, _("Planned end changed."))
    return _case_form(request, pk, forms.ExtendForm, _("Change the planned end"), save)


@login_required
def exposure(request, pk):
    def save(case, data):
        services.record_exposure(case, source_text=data["source_text"], days=data["days"], actor=request.user)
        messages.success(request, _("New exposure recorded: the clock restarts."))
    return _case_form(request, pk, forms.ExposureForm, _("New exposure"), save)


@login_required
def notes(request, pk):
    case = _case(request, pk)
    form = forms.NotesForm(request.POST or None, initial={"policy_notes": case.policy_notes})

    def save(data):
        services.update_notes(case, policy_notes=data["policy_notes"], actor=request.user)
        return redirect(case)

    return _form_page(request, form, _("One-person-one-policy notes"), save)


@login_required
def transfer(request, pk):
    case = _case(request, pk)
    form = forms.TransferForm(request.POST or None, user=request.user, case=case)
    sites = form.fields["site"].queryset.annotate(occupied=Count("cases", filter=Q(cases__status="transferred")))
    form.fields["site"].queryset = sites

    def save(data):
        services.transfer(case, site=data["site"], at=data["at"], escort=data["escort"], escort_note=data["escort_note"],
                          vehicle=data["vehicle"], override_reason=data["override_reason"], actor=request.user)
        messages.success(request, _("Transfer recorded."))
        return redirect(case)

    return _form_page(request, form, _("Transfer to a centralized site"), save)


@login_required
def release(request, pk):
    def save(case, data):
        services.release(case, reason=data["reason"], actor=request.user)
        messages.success(request, _("Released."))
    return _case_form(request, pk, forms.ReleaseForm, _("Release"), save)


@login_required
def hospitalise(request, pk):
    def save(case, data):
        services.hospitalise(case, reason=data["reason"], actor=request.user)
        messages.success(request, _("Recorded as hospitalised."))
    return _case_form(request, pk, forms.ReasonForm, _("Hospitalised"), save)


@login_required
def return_home(request, pk):
    def save(case, data):
        services.return_home(case, reason=data["reason"], actor=request.user)
        messages.success(request, _("Returned home."))
    return _case_form(request, pk, forms.ReasonForm, _("Return home"), save)


@login_required
@require_POST
def confirm_transfer(request, pk):
    move = get_scoped_or_404(Transfer.objects.select_related("case", "site__area"), request.user, "view", pk=pk)
    try:
        services.confirm_transfer(move, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Arrival confirmed."))
    return redirect(move.case)


@login_required
def sites(request):
    rows = (IsolationSite.objects.restrict(request.user).select_related("area")
            .annotate(occupied=Count("cases", filter=Q(cases__status="transferred")))[:LIMIT])
    return render(request, "isolation/sites.html", {"sites": rows})


@login_required
def site_new(request):
    form = forms.SiteForm(request.POST or None, user=request.user)

    def save(data):
        services.create_site(actor=request.user, **data)
        messages.success(request, _("Site added."))
        return redirect("isolation:sites")

    return _form_page(request, form, _("New isolation site"), save, back="isolation:sites")


@login_required
@require_POST
def home_sampling(request, pk):
    case = _case(request, pk)
    try:
        task = services.request_home_sampling(case, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Home sampling requested in %(round)s.") % {"round": task.round.name})
    return redirect(case)
