"""Pages of the checkpoints app: the gate screen, gates, live view and statistics.

Passes, exemptions, policies and the other ledgers are in ledgers.py.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.access import require
from frontline.core.scoping import get_scoped_or_404, user_can

from .. import forms, services, stats, tokens
from ..models import Gate, Passage, Venue
from ..policy import RULES, rule_label
from ..qr import qr_svg


def _gate(request, pk, action="view"):
    return get_scoped_or_404(Gate.objects.select_related("compound"), request.user, action, pk=pk)


@login_required
def gate_list(request):
    gates = Gate.objects.restrict(request.user).select_related("compound")
    venues = Venue.objects.restrict(request.user).filter(gate__isnull=True).select_related("area")
    return render(request, "checkpoints/gate_list.html", {
        "gates": gates, "venues": venues,
        "may_add": request.user.has_action("change"),
    })


@login_required
def gate_form(request, pk=None):
    gate = _gate(request, pk) if pk else None
    form = forms.GateForm(request.POST or None, instance=gate, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if gate is None:
                gate = services.create_gate(compound=data["compound"], name=data["name"], opens_at=data["opens_at"],
                                            closes_at=data["closes_at"], notes=data["notes"], actor=request.user)
            else:
                services.update_gate(gate, actor=request.user, name=data["name"], opens_at=data["opens_at"],
                                     closes_at=data["closes_at"], active=data["active"], notes=data["notes"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Gate saved."))
            return redirect("checkpoints:gates")
    return render(request, "checkpoints/form.html", {"form": form, "title": _("Gate") if gate is None else str(gate)})


@login_required
def gate_screen(request, pk):
    """The on-duty staff's one screen at the gate (mobile, scanner or typing, works offline)."""
    gate = _gate(request, pk)
    require(request.user, "gate", gate.compound)
    api = "/api/v1/checkpoints"
    return render(request, "checkpoints/gate_screen.html", {
        "gate": gate,
        "config": {
            "gate": gate.pk,
            "state_url": f"{api}/gates/{gate.pk}/state",
            "identify_url": f"{api}/gates/{gate.pk}/identify",
            "passage_url": f"{api}/passages",
            "batch_url": f"{api}/batch",
            "review_url": f"{api}/gates/{gate.pk}/review",
            "passage_review_url": f"{api}/passages/",
            "rules": {code: str(label) for code, label in RULES.items()},
            "may_override": user_can(request.user, "override", gate.compound.path),
            "live_url": reverse("checkpoints:live", args=[gate.pk]),
        },
        "strings": _screen_strings(),
    })


def _screen_strings():
    return {
        "allowed": _("ALLOWED"), "refused": _("REFUSED"), "offline": _("decided offline"), "online": _("online"),
        "no_network": _("offline"), "pending": _("waiting to sync"), "synced": _("synced"),
        "choose": _("Several match: choose who it is"), "choose_member": _("Paper pass: who of the household is it?"),
        "unknown": _("Not a resident of this compound: register as a visitor."),
        "record": _("Record and let through"), "record_refusal": _("Record refusal"),
        "errand": _("Log an errand request instead"), "errand_done": _("Errand request logged."),
        "remeasure": _("Re-measure"), "remeasure_at": _("Measure again after %s"),
        "recorded": _("Recorded."), "household": _("Household"), "out_now": _("out now"),
        "bad_temperature": _("cannot be a body temperature (34.0–43.0): probably a typing error. Measure and type it again."),
        "bad_id": _("The check digit is wrong: check the number, or search by name."),
        "id_format": _("Not an ID number: 18 characters, or a 15-digit old number."),
        "qr_expired": _("The QR code has expired."),
        "pass_unknown": _("Pass not in the last synced list: checked again when the server is back."),
        "snapshot_age": _("Gate data from %s"), "no_snapshot": _("No gate data yet: connect once to download it."),
        "rejected": _("Refused by the server"), "server_differs": _("The server decided differently:"),
        "review_line": _("%(at)s %(who)s: %(gate)s at the gate; the server would have said: %(server)s"),
        "review_seen": _("Seen"), "dismiss": _("Dismiss"),
        "visitor": _("Visitor"), "delivery": _("Delivery"), "temperature_needed": _("Take the temperature first."),
        "vehicle_recorded": _("Vehicle recorded."), "searching": _("Searching…"),
        "error": _("Something went wrong; the record is kept on this phone."),
    }


@login_required
def resident_qr(request, resident_id):
    """A resident's personal gate QR (for their phone), 30 days valid."""
    from frontline.residents.models import Resident

    resident = get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "change", pk=resident_id)
    token = tokens.resident_token(resident)
    return render(request, "checkpoints/resident_qr.html", {
        "resident": resident, "svg": qr_svg(token, scale=6), "token": token,
        "valid_until": timezone.now() + datetime.timedelta(days=tokens.RESIDENT_QR_DAYS),
    })


@login_required
def live(request, pk):
    gate = _gate(request, pk)
    view = stats.live_view(gate)
    for p in [*view["refusals"], *view["recent"]]:
        p.rule_text = rule_label(p.rule)
    return render(request, "checkpoints/live.html", {
        "gate": gate, **view, "may_override": user_can(request.user, "override", gate.compound.path),
    })


@login_required
@require_POST
def override(request, passage_id):
    passage = get_scoped_or_404(Passage.objects.select_related("gate__compound"), request.user, "view", pk=passage_id)
    try:
        services.override_passage(passage, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Override recorded."))
    return redirect(request.POST.get("next") or reverse("checkpoints:live", args=[passage.gate_id]))


@login_required
def statistics(request):
    form = forms.StatsForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    date_from, date_to, gates = today - datetime.timedelta(days=6), today, None
    if form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
        gates = [form.cleaned_data["gate"].pk] if form.cleaned_data["gate"] else None
    elif form.is_bound:
        # A bad period (the end before the start, a date that is not one) is said, not replaced
        # by the default week: no figures, no download, the form with its error.
        return render(request, "checkpoints/stats.html", {
            "form": form, "rows": [], "totals": None, "invalid": True, "query": request.GET.urlencode(),
        })
    rows = stats.gate_day_stats(request.user, date_from, date_to, gates)
    for row in rows:
        row["refusal_list"] = sorted(((rule_label(k), v) for k, v in row["refusals"].items()), key=lambda kv: -kv[1])
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(stats.stats_xlsx(rows),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="gate-statistics-{date_from}-{date_to}.xlsx"'
        return response
    totals = {key: sum(r[key] for r in rows) for key in ("in", "out", "refused", "fevers", "overrides", "visitors", "vehicles")}
    return render(request, "checkpoints/stats.html", {
        "form": form, "rows": rows, "totals": totals, "date_from": date_from, "date_to": date_to,
        "query": request.GET.urlencode(),
    })


@login_required
def venue_poster(request, venue_id):
    venue = get_scoped_or_404(Venue.objects.select_related("area", "gate"), request.user, "view", pk=venue_id)
    token = tokens.venue_token(venue)
    return render(request, "checkpoints/poster.html", {"venue": venue, "svg": qr_svg(token, scale=10), "token": token})


@login_required
def gate_poster(request, pk):
    gate = _gate(request, pk)
    return redirect("checkpoints:poster", venue_id=services.gate_venue(gate).pk)


@login_required
def venue_form(request):
    form = forms.VenueForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            venue = services.create_venue(area=form.cleaned_data["area"], name=form.cleaned_data["name"],
                                          kind=form.cleaned_data["kind"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("checkpoints:poster", venue_id=venue.pk)
    return render(request, "checkpoints/form.html", {"form": form, "title": _("Venue code")})
