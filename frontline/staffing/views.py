"""Pages of the staffing app: units, people (check-in, unavailability), posts and needs, rosters
(generate, grid, publish, edit one shift), "my shifts" and the calendar feed.

Every list is ``restrict``-ed and every record is read with ``get_scoped_or_404`` (outside your
areas is 404); every change goes through the services.
"""

import datetime
from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontline.core.scoping import get_scoped_or_404

from . import calendar, exports, forms, services, solver
from .models import (
    CheckIn,
    Handover,
    Need,
    OpenItem,
    Pairing,
    Post,
    Roster,
    SendingUnit,
    Shift,
    StaffMember,
    Unavailability,
)

LIMIT = 500


def _errors_to_form(form, exc):
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or _("You may not do this here."))
    elif hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _form_page(request, form, title, save, back=None):
    if request.method == "POST" and form.is_valid():
        try:
            return save(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors_to_form(form, exc)
    return render(request, "staffing/form.html", {"form": form, "title": title, "back": back})


def _post_action(request, form, action, back):
    """A small form posted from a detail page: run ``action(data)``, report, go back."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {' '.join(errors)}".strip())
        return redirect(back)
    try:
        message = action(form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, message)
    return redirect(back)


# --- overview ------------------------------------------------------------------------------------

@login_required
def index(request):
    user = request.user
    members = StaffMember.objects.restrict(user)
    open_checkins = CheckIn.objects.restrict(user).filter(released_at__isnull=True)
    per_unit = (open_checkins.values("member__unit__name").annotate(n=Count("pk")).order_by("-n"))
    per_community = open_checkins.values("community__name").annotate(n=Count("pk")).order_by("community__name")
    per_batch = (open_checkins.filter(batch__isnull=False).values("batch__unit__name", "batch__number")
                 .annotate(n=Count("pk")).order_by("batch__unit__name", "batch__number"))
    now = timezone.now()
    on_duty = (Shift.objects.restrict(user).published().filter(starts_at__lte=now, ends_at__gt=now)
               .select_related("post", "member").order_by("post__name", "seat")[:200])
    uncovered = (Shift.objects.restrict(user).published().filter(member__isnull=True, ends_at__gt=now,
                                                                  starts_at__lt=now + datetime.timedelta(hours=24))
                 .select_related("post")[:50])
    return render(request, "staffing/index.html", {
        "members": members.count(), "checked_in": open_checkins.count(), "per_unit": per_unit,
        "per_community": per_community, "per_batch": per_batch, "uncovered": uncovered, "on_duty": on_duty,
        "rosters": Roster.objects.restrict(user).select_related("area")[:10],
        "may_roster": user.has_action("roster"), "mine": getattr(user, "staff_member", None) if user.pk else None,
    })


# --- units ---------------------------------------------------------------------------------------

@login_required
def unit_list(request):
    units = SendingUnit.objects.restrict(request.user).select_related("area").annotate(
        people=Count("members", distinct=True))[:LIMIT]
    return render(request, "staffing/unit_list.html", {"units": units})


@login_required
def unit_new(request):
    form = forms.UnitForm(request.POST or None, user=request.user)

    def save(data):
        unit = services.create_unit(actor=request.user, **data)
        messages.success(request, _("Sending unit %(name)s added.") % {"name": unit.name})
        return redirect("staffing:unit", unit_id=unit.pk)

    return _form_page(request, form, _("Add a sending unit"), save)


@login_required
def unit_detail(request, unit_id):
    unit = get_scoped_or_404(SendingUnit.objects.select_related("area"), request.user, "view", pk=unit_id)
    batch_form = forms.BatchForm(request.POST or None, user=request.user, prefix="batch")
    pairing_form = forms.PairingForm(request.POST or None, user=request.user, prefix="pair")
    if request.method == "POST":
        back = reverse("staffing:unit", args=[unit.pk])
        if "batch-number" in request.POST:
            return _post_action(request, batch_form, lambda d: services.create_batch(unit=unit, actor=request.user, **d)
                                and _("Batch added."), back)
        if "pair-compound" in request.POST:
            return _post_action(request, pairing_form, lambda d: services.pair(unit=unit, actor=request.user, **d)
                                and _("Pairing added."), back)
        messages.error(request, _("Nothing to save."))
        return redirect(back)
    return render(request, "staffing/unit_detail.html", {
        "unit": unit,
        "members": StaffMember.objects.restrict(request.user).filter(unit=unit).select_related("area"),
        "batches": unit.batches.all().select_related("community").annotate(n=Count("checkins")),
        "pairings": Pairing.objects.restrict(request.user).filter(unit=unit).select_related("compound"),
        "batch_form": batch_form, "pairing_form": pairing_form,
    })


# --- people --------------------------------------------------------------------------------------

@login_required
def member_list(request):
    members = list(StaffMember.objects.restrict(request.user).select_related("area", "unit")[:LIMIT])
    open_ids = set(CheckIn.objects.filter(member__in=members, released_at__isnull=True).values_list("member_id", flat=True))
    for m in members:
        m.checked_in = m.pk in open_ids
    return render(request, "staffing/member_list.html", {"members": members})


@login_required
def member_new(request):
    form = forms.MemberForm(request.POST or None, user=request.user)

    def save(data):
        member = services.create_member(actor=request.user, **data)
        messages.success(request, _("%(name)s added.") % {"name": member.name})
        return redirect("staffing:member", member_id=member.pk)

    return _form_page(request, form, _("Add a staff member"), save)


@login_required
def member_detail(request, member_id):
    member = get_scoped_or_404(StaffMember.objects.select_related("area", "unit", "user"), request.user, "view", pk=member_id)
    checkin_form = forms.CheckInForm(request.POST or None, user=request.user, prefix="in")
    away_form = forms.UnavailabilityForm(request.POST or None, user=request.user, prefix="away")
    back = reverse("staffing:member", args=[member.pk])
    if request.method == "POST":
        if "in-received_by" in request.POST:
            def do_check_in(d):
                services.check_in(member=member, community=d["community"], batch=d.get("batch"),
                                  at=d.get("checked_in_at"), received_by=d["received_by"], actor=request.user)
                return _("Checked in.")
            return _post_action(request, checkin_form, do_check_in, back)
        if "away-reason" in request.POST:
            return _post_action(request, away_form, lambda d: services.add_unavailability(
                member=member, actor=request.user, **d) and _("Unavailability recorded."), back)
        messages.error(request, _("Nothing to save."))
        return redirect(back)
    return render(request, "staffing/member_detail.html", {
        "member": member, "checkins": member.checkins.select_related("community", "batch__unit"),
        "unavailable": Unavailability.objects.filter(member=member),
        "shifts": Shift.objects.filter(member=member).published().upcoming().select_related("post")[:30],
        "checkin_form": checkin_form, "away_form": away_form, "release_form": forms.ReasonForm(),
    })


@login_required
@require_POST
def checkin_release(request, checkin_id):
    checkin = get_scoped_or_404(CheckIn.objects.select_related("community", "member"), request.user, "view", pk=checkin_id)
    back = reverse("staffing:member", args=[checkin.member_id])
    return _post_action(request, forms.ReasonForm(request.POST),
                        lambda d: services.release(checkin, reason=d["reason"], actor=request.user) and _("Released."), back)


# --- posts ---------------------------------------------------------------------------------------

@login_required
def post_list(request):
    posts = Post.objects.restrict(request.user).select_related("area", "gate").prefetch_related("needs")[:LIMIT]
    return render(request, "staffing/post_list.html", {"posts": posts})


@login_required
def post_new(request):
    form = forms.PostForm(request.POST or None, user=request.user)

    def save(data):
        post = services.create_post(actor=request.user, **data)
        messages.success(request, _("Post %(name)s added: now enter its needs.") % {"name": post.name})
        return redirect("staffing:post", post_id=post.pk)

    return _form_page(request, form, _("Add a post"), save)


@login_required
def post_detail(request, post_id):
    post = get_scoped_or_404(Post.objects.select_related("area", "gate"), request.user, "view", pk=post_id)
    need_form = forms.NeedForm(request.POST or None, user=request.user)
    back = reverse("staffing:post", args=[post.pk])
    if request.method == "POST":
        return _post_action(request, need_form, lambda d: services.add_need(post=post, actor=request.user, **d)
                            and _("Time slot added."), back)
    return render(request, "staffing/post_detail.html", {"post": post, "needs": post.needs.all(), "need_form": need_form})


@login_required
@require_POST
def need_delete(request, need_id):
    need = get_scoped_or_404(Need.objects.select_related("post__area"), request.user, "view", pk=need_id)
    back = reverse("staffing:post", args=[need.post_id])
    try:
        services.remove_need(need, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Time slot removed."))
    return redirect(back)


# --- rosters -------------------------------------------------------------------------------------

@login_required
def roster_list(request):
    rosters = Roster.objects.restrict(request.user).select_related("area")[:LIMIT]
    return render(request, "staffing/roster_list.html", {"rosters": rosters, "may_roster": request.user.has_action("roster")})


@login_required
def roster_new(request):
    form = forms.RosterForm(request.POST or None, user=request.user)

    def save(data):
        roster = services.create_roster(actor=request.user, **data)
        result = services.generate(roster, actor=request.user)
        _report(request, roster, result)
        return redirect("staffing:roster", roster_id=roster.pk)

    return _form_page(request, form, _("Make a roster"), save)


def _report(request, roster, result):
    if result.complete:
        messages.success(request, _("Roster made: every need is covered (%(status)s, gap %(gap)s %%).") % {
            "status": result.status, "gap": round((result.gap or 0) * 100, 1)})
    else:
        messages.warning(request, _("Not every need can be covered: %(n)s slots have holes, marked below.") % {
            "n": len(result.holes)})


def roster_grid(roster, shifts):
    """Posts × days, each cell the shifts of that post on that day (names, holes)."""
    days = roster.days()
    cells = defaultdict(list)
    posts = {}
    for shift in shifts:
        posts[shift.post_id] = shift.post
        cells[shift.post_id, shift.date].append(shift)
    rows = [{"post": post, "cells": [cells.get((post.pk, d), []) for d in days]}
            for post in sorted(posts.values(), key=lambda p: p.name)]
    return days, rows


@login_required
def roster_detail(request, roster_id):
    roster = get_scoped_or_404(Roster.objects.select_related("area"), request.user, "view", pk=roster_id)
    shifts = Shift.objects.filter(roster=roster).select_related("post", "member__unit")
    days, rows = roster_grid(roster, shifts)
    hours, unit_hours = defaultdict(float), defaultdict(float)
    for s in shifts:
        if s.member_id:
            length = (s.ends_at - s.starts_at).total_seconds() / 3600
            hours[s.member] += length
            unit_hours[s.member.unit.name if s.member.unit_id else _("no unit")] += length
    return render(request, "staffing/roster_detail.html", {
        "roster": roster, "days": days, "rows": rows, "may_roster": request.user.has_action("roster"),
        "hours": sorted(hours.items(), key=lambda kv: (-kv[1], kv[0].name)),
        "unit_hours": sorted(unit_hours.items(), key=lambda kv: -kv[1]),
        "gap_percent": round(roster.gap * 100, 1) if roster.gap is not None else None,
        "conflicting": [solver.rule_label(r) for r in roster.conflicting_rules],
        "solver_status": solver.status_label(roster.solver_status) if roster.solver_status else "",
        "breakdown": [(solver.goal_label(goal), value) for goal, value in (roster.breakdown or {}).items()],
    })


@login_required
def roster_xlsx(request, roster_id):
    roster = get_scoped_or_404(Roster.objects.select_related("area"), request.user, "view", pk=roster_id)
    days, rows = roster_grid(roster, Shift.objects.filter(roster=roster).select_related("post", "member"))
    response = HttpResponse(exports.roster_xlsx(roster, days, rows),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="roster-{roster.pk}-{roster.starts_on:%Y%m%d}.xlsx"'
    return response


def _roster_for(request, roster_id):
    roster = get_scoped_or_404(Roster.objects.select_related("area"), request.user, "view", pk=roster_id)
    return roster, reverse("staffing:roster", args=[roster.pk])


@login_required
@require_POST
def roster_generate(request, roster_id):
    roster, back = _roster_for(request, roster_id)
    try:
        result = services.generate(roster, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        _report(request, roster, result)
    return redirect(back)


@login_required
@require_POST
def roster_publish(request, roster_id):
    roster, back = _roster_for(request, roster_id)
    try:
        services.publish(roster, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Roster published: everyone sees it under My shifts."))
    return redirect(back)


@login_required
def shift_edit(request, shift_id):
    shift = get_scoped_or_404(Shift.objects.select_related("roster__area", "post", "member"), request.user, "view",
                              pk=shift_id)
    form = forms.AssignForm(request.POST or None, user=request.user, roster=shift.roster,
                            initial={"member": shift.member_id})
    found = []
    if request.method == "POST" and form.is_valid():
        member = form.cleaned_data["member"]
        found = services.edit_violations(shift, member)
        if "check" not in request.POST:
            try:
                services.assign(shift, member=member, reason=form.cleaned_data["reason"], actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                _errors_to_form(form, exc)
            else:
                messages.success(request, _("Shift saved."))
                return redirect("staffing:roster", roster_id=shift.roster_id)
    elif request.method == "GET" and request.GET.get("member"):
        member = StaffMember.objects.restrict(request.user).filter(pk=request.GET["member"]).first() \
            if request.GET["member"].isdigit() and len(request.GET["member"]) < 16 else None
        found = services.edit_violations(shift, member) if member else []
    return render(request, "staffing/shift_edit.html", {"shift": shift, "form": form, "violations": found})


# --- my shifts and the calendar feed -------------------------------------------------------------------

@login_required
def my_shifts(request):
    member = StaffMember.objects.filter(user=request.user).select_related("area", "unit").first()
    shifts = []
    if member is not None:
        shifts = (Shift.objects.filter(member=member).published()
                  .filter(ends_at__gt=timezone.now() - datetime.timedelta(hours=12))
                  .select_related("post__area")[:60])
    feed = None
    if member is not None and member.calendar_token:
        feed = request.build_absolute_uri(reverse("staffing:calendar_feed", args=[member.calendar_token]))
    return render(request, "staffing/my_shifts.html", {"member": member, "shifts": shifts, "feed": feed})


@login_required
@require_POST
def my_calendar(request):
    member = StaffMember.objects.filter(user=request.user).first()
    if member is None:
        raise Http404
    if request.POST.get("revoke"):
        services.revoke_calendar_token(member, actor=request.user)
        messages.success(request, _("Calendar link revoked: the old link no longer works."))
    else:
        services.issue_calendar_token(member, actor=request.user)
        messages.success(request, _("New calendar link made: add it to your phone's calendar."))
    return redirect("staffing:my_shifts")


def calendar_feed(request, token):
    """The member's published shifts as iCalendar; the secret token is the only key."""
    member = StaffMember.objects.filter(calendar_token=token).first() if token and len(token) <= 64 else None
    if member is None:
        raise Http404
    response = HttpResponse(calendar.feed(member, request), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


__all__ = ["Q"]


# --- handovers -----------------------------------------------------------------------------------

def _shift_for_handover(request, shift_id):
    """One's own shift (wherever its roster lies), or a shift in one's areas."""
    own = (Shift.objects.filter(pk=shift_id, member__user=request.user).select_related("roster__area", "post", "member")
           .first() if request.user.is_authenticated else None)
    if own is not None:
        return own
    return get_scoped_or_404(Shift.objects.select_related("roster__area", "post", "member"), request.user, "view",
                             pk=shift_id)


@login_required
def shift_handover(request, shift_id):
    shift = _shift_for_handover(request, shift_id)
    previous = (Shift.objects.filter(roster__area=shift.roster.area, post=shift.post, ends_at__lte=shift.starts_at)
                .order_by("-ends_at", "seat").select_related("member").first())
    incoming = Handover.objects.filter(shift=previous).first() if previous else None
    written = Handover.objects.filter(shift=shift).first()
    open_items = OpenItem.objects.filter(post=shift.post, closed_at__isnull=True).select_related("handover")
    form = forms.HandoverForm(request.POST or None, items=open_items)
    if request.method == "POST" and form.is_valid():
        try:
            services.write_handover(shift, notes=form.cleaned_data["notes"],
                                    items=form.cleaned_data["new_items"].splitlines(),
                                    close=[int(pk) for pk in form.cleaned_data["close"]], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("Handover written: the next shift confirms it."))
            return redirect("staffing:shift_handover", shift_id=shift.pk)
    return render(request, "staffing/handover.html", {
        "shift": shift, "previous": previous, "incoming": incoming, "written": written, "open_items": open_items,
        "form": form,
    })


@login_required
@require_POST
def handover_confirm(request, handover_id):
    handover = Handover.objects.filter(pk=handover_id).select_related("shift__roster__area", "shift__post").first()
    if handover is None or not (Handover.objects.restrict(request.user).filter(pk=handover_id).exists()
                                or _is_incoming(request.user, handover)):
        raise Http404
    incoming = services.next_shift(handover.shift)
    try:
        services.confirm_handover(handover, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Handover confirmed."))
    if incoming is not None:
        return redirect("staffing:shift_handover", shift_id=incoming.pk)
    return redirect("staffing:my_shifts")


def _is_incoming(user, handover):
    incoming = services.next_shift(handover.shift)
    return bool(incoming and incoming.member_id and incoming.member.user_id == user.pk)
