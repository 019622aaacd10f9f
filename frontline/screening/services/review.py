"""What the server questioned after an offline sync, and someone looking at it.

The offline queue stores a swab the server, online, would have asked the desk to confirm
(``sampling._review_reasons``: already sampled this round, an ID not in the ledger registered as
a visitor, a resident from outside the round's areas): the swab is in the tube already. Such a
sample has ``needs_review``; the desk lists it until someone keeps it (``keep``) or undoes it
(``undo``: voided with a reason, its slot freed when it is the open tube's last one). Nothing
is deleted, and each decision is a change-log row."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontline.core import audit
from frontline.core.access import require
from frontline.core.models import AuditEntry

from ..models import Desk, Sample, Tube
from . import people
from .common import Conflict, ScreeningError

REASONS = {
    "already_sampled": gettext_lazy("already sampled in this round"),
    "not_in_ledger": gettext_lazy("not in the ledger: registered as a visitor"),
    "out_of_scope": gettext_lazy("lives outside this round's areas: registered as a visitor"),
}


def open_items(desk: Desk, *, actor, limit=100):
    """The desk's samples waiting for someone to look at them, oldest first."""
    require(actor, "sample", desk.site.area.path)
    return list(
        Sample.objects.restrict(actor, "sample")
        .filter(desk=desk, needs_review=True, reviewed_at__isnull=True, voided_at__isnull=True)
        .select_related("tube", "resident", "visitor")
        .order_by("created_at", "pk")[:limit]
    )


def item_data(sample: Sample) -> dict:
    """One line of the review list, masked."""
    person = sample.resident or sample.visitor
    earlier = None
    if sample.resident_id and "already_sampled" in sample.review_reasons:
        first = (Sample.objects.filter(round_id=sample.round_id, resident_id=sample.resident_id, voided_at__isnull=True)
                 .exclude(pk=sample.pk).select_related("tube").order_by("created_at").first())
        if first is not None:
            earlier = f"{first.tube.barcode} #{first.slot}"
    codes = [c for c in sample.review_reasons.split(",") if c]
    return {
        "sample_id": sample.pk, "client_id": str(sample.client_id), "tube": sample.tube.barcode, "slot": sample.slot,
        "name": people.mask_name(person.name) if person else "",
        "id_masked": person.id_number_masked if person else "",
        "reasons": codes, "reason_text": " · ".join(str(REASONS.get(c, c)) for c in codes), "earlier": earlier,
        "at": timezone.localtime(sample.created_at).strftime("%H:%M"),
    }


def _locked(sample: Sample, actor) -> Sample:
    require(actor, "sample", sample.area_path)
    locked = Sample.objects.select_for_update().select_related("tube").get(pk=sample.pk)
    if not locked.needs_review or locked.reviewed_at is not None or locked.voided_at is not None:
        raise Conflict("already_reviewed", _("Someone has looked at this scan already."))
    return locked


@transaction.atomic
def keep(sample: Sample, *, actor, note: str = "") -> Sample:
    """The scan is right as stored (e.g. a second swab the round asked for)."""
    sample = _locked(sample, actor)
    before = audit.snapshot(sample)
    sample.reviewed_at, sample.reviewed_by = timezone.now(), actor
    sample.save(update_fields=["reviewed_at", "reviewed_by"])
    audit.record(sample, AuditEntry.Action.UPDATE, actor=actor, before=before, source="desk",
                 reason=(note or _("kept after review")))
    return sample


@transaction.atomic
def undo(sample: Sample, *, actor, reason: str) -> Sample:
    """The scan should not count: voided with the reason. Its slot is freed when it is the last
    one of a tube still open; otherwise the swab stays in the tube and only stops counting."""
    reason = (reason or "").strip()
    if not reason:
        raise ScreeningError("reason_required", _("Say why the scan is undone."))
    sample = _locked(sample, actor)
    tube = Tube.objects.select_for_update().get(pk=sample.tube_id)
    before = audit.snapshot(sample)
    now = timezone.now()
    sample.voided_at, sample.voided_by, sample.void_reason, sample.counts = now, actor, reason[:200], False
    sample.reviewed_at, sample.reviewed_by = now, actor
    sample.save(update_fields=["voided_at", "voided_by", "void_reason", "counts", "reviewed_at", "reviewed_by"])
    if tube.status == Tube.Status.OPEN and sample.slot == tube.used:
        tube_before = audit.snapshot(tube)
        tube.used -= 1
        tube.save(update_fields=["used"])
        audit.record(tube, AuditEntry.Action.UPDATE, actor=actor, before=tube_before, source="desk", reason=reason)
    audit.record(sample, AuditEntry.Action.UPDATE, actor=actor, before=before, source="desk", reason=reason)
    return sample
