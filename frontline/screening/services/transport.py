"""Bags (装箱): sealed tubes packed in bags of up to twenty, sent to a lab, received there."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.access import can, person, require, require_actor
from frontline.core.models import AuditEntry

from .. import barcodes
from ..models import BAG_MAX_TUBES, Bag, Lab, SamplingSite, Tube
from .common import Conflict, ScreeningError


@transaction.atomic
def create_bag(site: SamplingSite, raw_barcode, *, lab: Lab | None = None, actor, source="web") -> Bag:
    require(actor, "sample", site.area.path)
    try:
        code = barcodes.clean_bag(raw_barcode)
    except barcodes.BarcodeError as exc:
        raise ScreeningError("bad_barcode", exc.message) from None
    if Bag.objects.filter(barcode=code).exists():
        raise Conflict("bag_exists", _("Bag %(code)s is already registered. Take a new bag.") % {"code": code})
    bag = Bag.objects.create(barcode=code, round=site.round, site=site, lab=lab, area_path=site.area.path, created_by=person(actor))
    audit.record(bag, AuditEntry.Action.CREATE, actor=actor, source=source)
    return bag


@transaction.atomic
def pack_tube(bag: Bag, raw_barcode, *, actor, source="web") -> Tube:
    """Put a sealed tube in an open bag; the bag row is locked, so twenty is never passed."""
    bag = Bag.objects.select_for_update().get(pk=bag.pk)
    require(actor, "sample", bag.area_path)
    if bag.status != Bag.Status.OPEN:
        raise Conflict("bag_closed", _("Bag %(code)s has already been sent.") % {"code": bag.barcode})
    try:
        code = barcodes.clean_tube(raw_barcode)
    except barcodes.BarcodeError as exc:
        raise ScreeningError("bad_barcode", exc.message) from None
    tube = Tube.objects.select_for_update().filter(barcode=code).first()
    if tube is None or not can(actor, "sample", tube.area_path):
        raise ScreeningError("unknown_tube", _("Tube %(code)s is not registered.") % {"code": code})
    if tube.bag_id == bag.pk:
        return tube
    if tube.round_id != bag.round_id:
        raise Conflict("tube_other_round", _("Tube %(code)s belongs to another round.") % {"code": code})
    if tube.status == Tube.Status.OPEN:
        raise Conflict("tube_open", _("Tube %(code)s is still open; seal it before packing.") % {"code": code})
    if tube.status != Tube.Status.SEALED:
        raise Conflict("tube_packed", _("Tube %(code)s is already in bag %(bag)s.") % {"code": code, "bag": tube.bag or "-"})
    if bag.tube_count >= BAG_MAX_TUBES:
        raise Conflict("bag_full", _("Bag %(code)s is full (%(n)s tubes). Take a new bag.") % {"code": bag.barcode, "n": BAG_MAX_TUBES})
    before = audit.snapshot(tube)
    tube.bag = bag
    tube.status = Tube.Status.PACKED
    tube.save(update_fields=["bag", "status"])
    Bag.objects.filter(pk=bag.pk).update(tube_count=F("tube_count") + 1)
    audit.record(tube, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=_("packed in %(bag)s") % {"bag": bag.barcode})
    return tube


@transaction.atomic
def unpack_tube(bag: Bag, tube: Tube, *, actor, reason="", source="web") -> Tube:
    bag = Bag.objects.select_for_update().get(pk=bag.pk)
    require(actor, "sample", bag.area_path)
    if bag.status != Bag.Status.OPEN or tube.bag_id != bag.pk:
        raise Conflict("bag_closed", _("Only a tube in a bag still being packed can be taken out."))
    before = audit.snapshot(tube)
    tube.bag = None
    tube.status = Tube.Status.SEALED
    tube.save(update_fields=["bag", "status"])
    Bag.objects.filter(pk=bag.pk).update(tube_count=F("tube_count") - 1)
    audit.record(tube, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason or _("taken out of the bag"))
    return tube


@transaction.atomic
def send_bag(bag: Bag, lab: Lab, *, actor, source="web") -> Bag:
    bag = Bag.objects.select_for_update().get(pk=bag.pk)
    require(actor, "sample", bag.area_path)
    if bag.status != Bag.Status.OPEN:
        raise Conflict("bag_closed", _("Bag %(code)s has already been sent.") % {"code": bag.barcode})
    if bag.tube_count == 0:
        raise ScreeningError("bag_empty", _("Bag %(code)s is empty.") % {"code": bag.barcode})
    before = audit.snapshot(bag)
    bag.lab = lab
    bag.status = Bag.Status.SENT
    bag.sent_at = timezone.now()
    bag.save(update_fields=["lab", "status", "sent_at"])
    bag.tubes.update(lab=lab)
    audit.record(bag, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=_("sent to %(lab)s") % {"lab": lab})
    return bag


@transaction.atomic
def receive_bag(raw_barcode, *, actor, source="api") -> Bag:
    """The lab scans a bag on arrival; its tubes become "received"."""
    require_actor(actor)
    try:
        code = barcodes.clean_bag(raw_barcode)
    except barcodes.BarcodeError as exc:
        raise ScreeningError("bad_barcode", exc.message) from None
    bag = Bag.objects.restrict(actor, "lab").select_for_update().filter(barcode=code).first()
    if bag is None:
        raise ScreeningError("unknown_bag", _("Bag %(code)s was not sent to your laboratory.") % {"code": code})
    if bag.status == Bag.Status.RECEIVED:
        return bag
    if bag.status != Bag.Status.SENT:
        raise PermissionDenied(_("This bag has not been sent yet."))
    before = audit.snapshot(bag)
    now = timezone.now()
    bag.status = Bag.Status.RECEIVED
    bag.received_at = now
    bag.save(update_fields=["status", "received_at"])
    bag.tubes.filter(status=Tube.Status.PACKED).update(status=Tube.Status.RECEIVED, received_at=now)
    audit.record(bag, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=_("received by the lab"))
    return bag
