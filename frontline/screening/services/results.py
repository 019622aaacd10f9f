"""Lab results: accepted once, never overwritten; a positive pool sets off the retest list,
temporary control of the units concerned and an alert for the people responsible for them.

``report_results`` takes rows from the API or an imported file and works in chunks with a few
queries each (tubes locked in id order, existing results read at once, results bulk-inserted,
tubes updated per result value), so a district's 250,000 tubes import in one go.
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from frontline.core import audit, context
from frontline.core.access import is_system, person, require, require_actor, system_actor
from frontline.core.alerts import raise_alert, resolve_alerts
from frontline.core.models import AuditEntry

from .. import barcodes
from ..models import ControlFlag, LabResult, RetestItem, Sample, Tube

CHUNK = 5000

_WORDS = {
    Tube.Result.NEGATIVE: {"negative", "neg", "n", "-", "阴性", "阴", "阴性(-)", "未检出"},
    Tube.Result.POSITIVE: {"positive", "pos", "p", "+", "阳性", "阳", "阳性(+)", "检出"},
    Tube.Result.INVALID: {"invalid", "inv", "无效", "不合格", "样本无效"},
}
_WORD_TO_RESULT = {w: result for result, words in _WORDS.items() for w in words}
_RESULTS = frozenset(Tube.Result.values)


def parse_result(raw) -> str | None:
    return _WORD_TO_RESULT.get(re.sub(r"\s+", "", str(raw or "")).lower())


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
                 "%Y-%m-%dT%H:%M", "%Y%m%d%H%M%S", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d %H:%M", "%Y年%m月%d日 %H:%M",
                 "%Y年%m月%d日%H:%M", "%Y年%m月%d日")


def parse_time(raw) -> datetime.datetime | None:
    """A lab's time as a file or a system gives it; None when it cannot be read."""
    if isinstance(raw, datetime.datetime):
        value = raw
    elif isinstance(raw, datetime.date):
        value = datetime.datetime.combine(raw, datetime.time())
    else:
        text = str(raw or "").strip()
        if not text:
            return None
        value = None
        try:
            value = datetime.datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    value = datetime.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if value is None:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.get_current_timezone())
    return value


@dataclass
class ResultRow:
    barcode: str
    result: str
    tested_at: object
    ref: str = ""


@dataclass
class RowOutcome:
    ref: str
    barcode: str
    status: str  # accepted | duplicate | conflict | unknown | error
    message: str = ""


def visible_tubes(actor):
    """Tubes ``actor`` may report results for: sent to their lab, or in an area where they import."""
    require_actor(actor)
    if is_system(actor) or actor.is_superuser:
        return Tube.objects.all()
    lab = Tube.objects.restrict(actor, "lab")
    imported = Tube.objects.restrict(actor, "import")
    return lab | imported


def report_results(rows, *, actor, source=LabResult.Source.API, source_ref="") -> list[RowOutcome]:
    """Record results; one outcome per row, in order. Idempotent: the same row again is a duplicate."""
    outcomes: list[RowOutcome | None] = [None] * len(rows)
    clean = []
    now = timezone.now()
    latest = now + datetime.timedelta(hours=12)
    for i, row in enumerate(rows):
        ref = row.ref or str(i + 1)
        try:
            code = barcodes.clean_tube(row.barcode)
        except barcodes.BarcodeError as exc:
            outcomes[i] = RowOutcome(ref, str(row.barcode or "")[:40], "error", str(exc.message))
            continue
        result = row.result if row.result in _RESULTS else parse_result(row.result)
        if result is None:
            outcomes[i] = RowOutcome(ref, code, "error", _("Unknown result %(value)s (negative, positive or invalid).") % {"value": str(row.result)[:30]})
            continue
        tested_at = parse_time(row.tested_at)
        if tested_at is None:
            outcomes[i] = RowOutcome(ref, code, "error", _("The test time %(value)s is not a date and time (e.g. 2022-01-05 14:30).") % {"value": str(row.tested_at)[:40]})
            continue
        if tested_at > latest:
            outcomes[i] = RowOutcome(ref, code, "error", _("The test time %(value)s is in the future.") % {"value": tested_at.isoformat(timespec="minutes")})
            continue
        clean.append((i, ref, code, result, tested_at))
    positives, summary = [], {"accepted": 0, "duplicate": 0, "conflict": 0, "unknown": 0}
    for start in range(0, len(clean), CHUNK):
        chunk = clean[start:start + CHUNK]
        with transaction.atomic():
            positives += _report_chunk(chunk, outcomes, actor, source, source_ref, now, summary)
    for tube_id in positives:
        handle_positive(Tube.objects.get(pk=tube_id), actor=actor, source=source)
    if clean or any(o and o.status == "error" for o in outcomes):
        _audit_summary(actor, source, source_ref, summary, sum(1 for o in outcomes if o and o.status == "error"))
    return outcomes


def _report_chunk(chunk, outcomes, actor, source, source_ref, now, summary) -> list[int]:
    codes = list({c[2] for c in chunk})
    tubes = {code: (pk, status, lab_id, area_path) for pk, code, status, lab_id, area_path in
             visible_tubes(actor).filter(barcode__any_of=codes).order_by("pk").select_for_update(of=("self",))
             .values_list("pk", "barcode", "status", "lab_id", "area_path")}
    existing: dict[int, list] = {}
    for tube_id, result, tested_at, accepted in (LabResult.objects.filter(tube_id__any_of=[t[0] for t in tubes.values()])
                                                 .values_list("tube_id", "result", "tested_at", "accepted")):
        existing.setdefault(tube_id, []).append((result, tested_at, accepted))
    accepted_now: dict[int, str] = {}
    new_rows, conflicts, positives = [], set(), []
    by_value: dict[str, list[int]] = {}
    reporter = getattr(person(actor), "pk", None)
    for i, ref, code, result, tested_at in chunk:
        tube = tubes.get(code)
        if tube is None:
            outcomes[i] = RowOutcome(ref, code, "unknown", _("Unknown tube %(code)s.") % {"code": code})
            summary["unknown"] += 1
            continue
        tube_id, status, lab_id, _path = tube
        if status == Tube.Status.OPEN:
            outcomes[i] = RowOutcome(ref, code, "error", _("Tube %(code)s is still open at the desk; it cannot have a result yet.") % {"code": code})
            continue
        stored = existing.setdefault(tube_id, [])
        accepted = accepted_now.get(tube_id) or next((r for r, _t, a in stored if a), None)
        same_report = any(r == result and t == tested_at for r, t, _a in stored)
        if accepted is None:
            accepted_now[tube_id] = result
            by_value.setdefault(result, []).append(tube_id)
            new_rows.append((tube_id, result, tested_at, lab_id, True, False, source, f"{source_ref}:{ref}"[:200], now, reporter))
            stored.append((result, tested_at, True))
            outcomes[i] = RowOutcome(ref, code, "accepted")
            summary["accepted"] += 1
            if result == Tube.Result.POSITIVE:
                positives.append(tube_id)
        elif accepted == result or same_report:
            outcomes[i] = RowOutcome(ref, code, "duplicate", _("Already recorded."))
            summary["duplicate"] += 1
        else:
            new_rows.append((tube_id, result, tested_at, lab_id, False, True, source, f"{source_ref}:{ref}"[:200], now, reporter))
            stored.append((result, tested_at, False))
            conflicts.add(tube_id)
            outcomes[i] = RowOutcome(ref, code, "conflict", _("Tube %(code)s already has the result %(old)s; %(new)s was kept for review, nothing was overwritten.")
                                     % {"code": code, "old": Tube.Result(accepted).label, "new": Tube.Result(result).label})
            summary["conflict"] += 1
    _insert_results(new_rows)
    for value, ids in by_value.items():
        Tube.objects.filter(pk__any_of=ids).update(status=Tube.Status.RESULTED, result=value, resulted_at=now,
                                                   received_at=Coalesce("received_at", now))
    if Tube.Result.INVALID in by_value:
        # An invalid tube puts its people back on the "not yet sampled" list.
        Sample.objects.filter(tube_id__any_of=by_value[Tube.Result.INVALID]).update(counts=False)
    if conflicts:
        Tube.objects.filter(pk__in=conflicts).update(result_conflict=True)
        _conflict_alerts(list(Tube.objects.filter(pk__in=conflicts)), actor)
    return positives


_RESULT_COLUMNS = ("tube_id", "result", "tested_at", "lab_id", "accepted", "conflict", "source", "source_ref", "received_at",
                   "reported_by_id")


def _insert_results(rows):
    """Many result rows at once: COPY on PostgreSQL (a district's file is 250,000 rows), else bulk_create."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.copy(
                f"COPY screening_labresult ({', '.join(_RESULT_COLUMNS)}, review_note) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, ""))
        return
    LabResult.objects.bulk_create([LabResult(**dict(zip(_RESULT_COLUMNS, row, strict=True))) for row in rows], batch_size=2000)


def _conflict_alerts(tubes, actor):
    for tube in tubes:
        raise_alert("screening.result_conflict", key=f"screening.result_conflict:{tube.pk}", area_path=tube.area_path,
                    message=gettext_noop("Conflicting lab results for tube %(code)s: review them."),
                    params={"code": tube.barcode}, target=tube, actor=actor)


def positive_pool_key(tube_id, area_path) -> str:
    return f"screening.positive_pool:{tube_id}:{area_path}"


def _audit_summary(actor, source, source_ref, summary, errors):
    AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, actor_name=getattr(actor, "username", "") or "system",
        request_id=context.request_id(), source=source, action=AuditEntry.Action.CREATE, model="screening.labresult",
        object_id=(source_ref or "-")[:40], object_repr=_("lab results"), area_path="",
        changes={**summary, "errors": errors}, reason=str(source_ref)[:300],
    )


@transaction.atomic
def handle_positive(tube: Tube, *, actor, source="api") -> dict:
    """Mark everyone in a positive pool at once: one retest item each (with the household),
    a temporary-control flag on each unit concerned, and an alert for whoever looks after it."""
    require_actor(actor)
    tube = Tube.objects.select_for_update().get(pk=tube.pk)
    samples = list(Sample.objects.filter(tube=tube, voided_at__isnull=True)
                   .select_related("resident__household__area", "visitor"))
    pooled = tube.capacity > 1 or len(samples) > 1
    existing = set(RetestItem.objects.filter(tube=tube).values_list("sample_id", flat=True))
    items = []
    areas = {}
    for s in samples:
        household = s.resident.household if s.resident_id else None
        area_path = household.area.path if household else s.area_path
        if s.pk not in existing:
            items.append(RetestItem(tube=tube, sample=s, household=household, area_path=area_path,
                                    note=_("pool positive") if pooled else _("single-tube positive")))
        if household is not None:
            areas[household.area.path] = household.area
    RetestItem.objects.bulk_create(items)
    if not areas and tube.site_id:
        areas[tube.site.area.path] = tube.site.area
    reason = _("Positive pool: tube %(code)s (%(n)s people)") % {"code": tube.barcode, "n": len(samples)}
    flags = []
    for path, area in sorted(areas.items()):
        flag, created = ControlFlag.objects.get_or_create(
            area=area, tube=tube, lifted_at=None,
            defaults={"reason": reason, "area_path": path, "raised_by": person(actor)},
        )
        if created:
            audit.record(flag, AuditEntry.Action.CREATE, actor=actor, source=source, reason=reason)
            raise_alert("screening.positive_pool", key=positive_pool_key(tube.pk, path), area_path=path, target=tube,
                        message=gettext_noop("Positive pool: tube %(code)s (%(n)s people). %(area)s is under temporary "
                                             "control; single-tube retest list ready."),
                        params={"code": tube.barcode, "n": len(samples), "area": area.full_name()},
                        actor=actor or system_actor("screening"))
        flags.append(flag)
    return {"retest_items": len(items), "control_flags": len(flags)}


@transaction.atomic
def review_conflict(result: LabResult, *, keep_accepted: bool, note: str, actor, source="web") -> LabResult:
    """Settle a conflicting result: keep the accepted one, or accept this one instead."""
    result = LabResult.objects.select_for_update().select_related("tube").get(pk=result.pk)
    require(actor, "change", result.tube.area_path)
    if not note.strip():
        raise ValidationError({"note": _("Say how the conflict was settled (who confirmed which result).")})
    if not result.conflict or result.reviewed_at:
        raise ValidationError(_("This result is not waiting for review."))
    tube = Tube.objects.select_for_update().get(pk=result.tube_id)
    before = audit.snapshot(tube)
    now = timezone.now()
    if not keep_accepted:
        LabResult.objects.filter(tube=tube, accepted=True).update(accepted=False)
        result.accepted = True
        tube.result = result.result
        tube.resulted_at = now
        Sample.objects.filter(tube=tube, voided_at__isnull=True).update(counts=tube.result != Tube.Result.INVALID)
    result.reviewed_at, result.reviewed_by, result.review_note = now, person(actor), note.strip()[:300]
    result.save()
    tube.result_conflict = LabResult.objects.filter(tube=tube, conflict=True, reviewed_at__isnull=True).exists()
    tube.save(update_fields=["result", "resulted_at", "result_conflict"])
    audit.record(tube, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=note)
    if not tube.result_conflict:
        resolve_alerts(key=f"screening.result_conflict:{tube.pk}", actor=actor, reason=note.strip())
    if not keep_accepted and tube.result == Tube.Result.POSITIVE:
        handle_positive(tube, actor=actor, source=source)
    return result


@transaction.atomic
def lift_control(flag: ControlFlag, *, actor, reason: str, source="web") -> ControlFlag:
    require(actor, "change", flag.area_path)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the temporary control is lifted.")})
    if flag.lifted_at:
        return flag
    before = audit.snapshot(flag)
    flag.lifted_at, flag.lifted_by, flag.lift_reason = timezone.now(), person(actor), reason.strip()[:300]
    flag.save()
    audit.record(flag, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    return flag


@transaction.atomic
def record_retest(item: RetestItem, *, actor, retest_barcode: str, note="", source="web") -> RetestItem:
    require(actor, "sample", item.area_path)
    before = audit.snapshot(item)
    try:
        item.retest_barcode = barcodes.clean_tube(retest_barcode)
    except barcodes.BarcodeError as exc:
        raise ValidationError({"retest_barcode": exc.message}) from None
    item.status = RetestItem.Status.RETESTED
    item.note = (note or item.note)[:300]
    item.updated_by = person(actor)
    item.save()
    audit.record(item, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=_("single-tube retest taken"))
    return item
