"""Screening pages: the rounds, the sampling desk (the field screen), and the round's work pages
(coverage, worklists, home sampling, bags, results) in rounds.py."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from frontline.core.scoping import get_scoped_or_404

from .. import barcodes
from ..models import Desk, DeskAssignment, Round


class IndexView(LoginRequiredMixin, TemplateView):
    """The rounds the user's scope overlaps, and the desks they may work at."""

    template_name = "screening/index.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        rounds = Round.objects.restrict(user).prefetch_related("areas")[:50]
        desks = (Desk.objects.restrict(user, "sample").active().filter(site__round__status=Round.Status.OPEN)
                 .select_related("site__round").order_by("site__round", "site__name", "name"))
        mine = set(DeskAssignment.objects.filter(user=user).values_list("desk_id", flat=True))
        desks = sorted(desks, key=lambda d: (d.pk not in mine, d.site.round_id, d.site.name, d.name))
        return {**super().get_context_data(**kwargs), "rounds": rounds, "desks": desks, "my_desks": mine,
                "can_plan": user.has_action("change"),
                # Only who may open the import page sees its button (not a grid worker).
                "can_import": user.is_superuser or user.has_action("lab") or user.has_action("import")}


def desk_strings() -> dict:
    """Everything the desk's script says, translated on the server."""
    return {
        "scan_tube": _("Scan a tube barcode to start"),
        "scan_person": _("Scan an ID card or a pass, or type a name"),
        "scan_tube_first": _("Scan a tube first."),
        "tube_full": _("Tube full: scan the next tube"),
        "tube_full_next": _("Tube %(tube)s is full and sealed. Scan the next tube."),
        "tube_is_full": _("Tube %(tube)s is full. Scan a new tube."),
        "tube_ready": _("Tube %(tube)s: %(n)s of %(c)s. Scan the first person."),
        "same_tube": _("Tube %(tube)s is already the current tube."),
        "tube_left_open": _("Tube %(tube)s was left open with %(n)s swabs."),
        "tube_refused": _("This tube cannot be used."),
        "registered": _("Registered in slot %(slot)s of %(c)s."),
        "undone": _("Slot %(slot)s undone."),
        "sealed": _("Tube %(tube)s sealed with %(n)s swabs."),
        "already_sampled": _("Already sampled in this round: %(where)s at %(at)s (tube %(tube)s). Register again anyway?"),
        "out_of_scope": _("%(name)s lives outside this round's areas (%(address)s). Register as a visitor?"),
        "bad_check_digit": _("The ID number's check digit is wrong: it was misread or mistyped. Scan it again, or type the person's name."),
        "not_understood": _("Not a tube barcode and not an ID number. Check it, or type the name."),
        "not_found": _("Not found."),
        "failed": _("That scan was not handled: scan it again."),
        "not_found_name": _("Nobody of that name in this round. Check the spelling, or register a visitor."),
        "one_found": _("One person found: press Enter to register, or tap."),
        "many_found": _("%(n)s people found: choose one (arrow keys and Enter, or tap)."),
        "offline_search": _("Offline: name search needs the network. Scan the ID card or register a visitor."),
        "offline_registered": _("Offline: registered by ID; the server checks the person when it syncs."),
        "not_registered": _("Not registered."),
        "visitor_name": _("A visitor's name is required."),
        "visitor_contact": _("Give the visitor's ID number or phone."),
        "unknown_person": _("(checked on sync)"),
        "green_channel": _("Green channel"),
        "green": {"elderly": _("elderly"), "pregnant": _("pregnant"), "disabled": _("disabled"), "bedridden": _("bedridden")},
        "sampled_short": _("sampled already"),
        "outside_short": _("lives elsewhere"),
        "years": _(" yrs"),
        "online": _("online"),
        "offline": _("offline"),
        "syncing": _("syncing…"),
        "rejected": _("Not stored"),
        "dismiss": _("Dismiss"),
        "review_keep": _("Keep"),
        "review_undo": _("Undo"),
        "review_first": _("first: %(where)s"),
        "review_undo_reason": _("undone after the offline sync: %(why)s"),
        "review_kept": _("Kept: %(tube)s #%(slot)s."),
        "review_undone": _("Undone: %(tube)s #%(slot)s."),
        "review_offline": _("Offline: look at these again when the network is back."),
    }


class DeskView(LoginRequiredMixin, TemplateView):
    """The sampling desk: the field screen for a volunteer with a scanner or a phone."""

    template_name = "screening/desk.html"

    def get_context_data(self, **kwargs):
        desk = get_scoped_or_404(Desk.objects.select_related("site__round", "site__area"), self.request.user, "sample",
                                 pk=kwargs["desk_id"])
        if not desk.active:
            raise Http404
        round_obj = desk.site.round
        lookup_url = reverse("api:desk_lookup", kwargs={"desk_id": desk.pk})
        return {
            **super().get_context_data(**kwargs),
            "desk": desk,
            "round": round_obj,
            "round_open": round_obj.status == Round.Status.OPEN,
            "capacity": round_obj.tube_capacity,
            "household_mode": round_obj.pooling == Round.Pooling.HOUSEHOLD,
            "tube_pattern": barcodes.tube_pattern(),
            "lookup_url": lookup_url,
            "tube_url": lookup_url[: -len("lookup")] + "tubes/",
            "batch_url": reverse("api:desk_batch"),
            "review_url": reverse("api:desk_review", kwargs={"desk_id": desk.pk}),
            "sample_review_url": reverse("api:review_sample", kwargs={"sample_id": 0})[: -len("0/review")],
            "csrf": get_token(self.request),
            "strings": desk_strings(),
        }
