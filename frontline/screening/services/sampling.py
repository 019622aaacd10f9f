"""Registering swabs into tubes: the batch the offline desk uploads, the single scan, undo, seal.

One engine serves both paths. A batch is handled in one transaction:

1. items whose client id is already stored are answered from the stored row (``duplicate``);
2. desks, people and tubes are resolved with one query per kind, not one per item;
3. every tube the batch touches is locked (``SELECT … FOR UPDATE``, in id order, so two batches
   never wait on each other in a circle; on SQLite the IMMEDIATE transaction serialises writers);
   two replays of one batch racing each other store each item once: the loser's insert breaks
   the unique client id, and it is answered item by item from what the winner stored;
4. items are applied in order against the locked tubes in memory (slot = swabs so far + 1; the
   tube seals itself when full; an undo frees the last slot) and written with a few bulk inserts.

The unique constraints on ``client_id`` and on a live (tube, slot) are the last line: if one ever
fires, the batch is retried item by item, each in its own transaction, and the losers report what
is stored.
"""

import uuid
from collections import defaultdict

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import access, audit, lean
from frontline.core.bulk import allocate_ids, create_objects, insert_new, insert_rows, row_preparers
from frontline.core.models import AuditEntry
from frontline.residents.models import Resident

from .. import barcodes
from ..models import Desk, DeskAction, HomeTask, Round, Sample, SamplingSite, Tube, Visitor
from . import people
from .common import Conflict, ScreeningError

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"


def _uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _client_time(value):
    if not value:
        return None
    parsed = parse_datetime(str(value)) if not hasattr(value, "tzinfo") else value
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def sample_data(sample: Sample, tube: Tube | None = None, person=None) -> dict:
    """What the desk shows for a stored scan (also the answer to a replay)."""
    tube = tube or sample.tube
    if person is not None:
        who = person.display()
    elif sample.resident_id:
        who = {"name": people.mask_name(sample.resident.name), "id_masked": sample.resident.id_number_masked,
               "visitor": False, "resident_id": sample.resident_id}
    else:
        who = {"name": people.mask_name(sample.visitor.name), "id_masked": sample.visitor.id_number_masked,
               "visitor": True, "resident_id": None}
    return {
        "sample_id": sample.pk, "tube": tube.barcode, "slot": sample.slot, "capacity": tube.capacity,
        "used": tube.used, "sealed": tube.status != Tube.Status.OPEN, "voided": sample.voided_at is not None,
        "green_channel": sample.green_channel, "repeat": sample.repeat, **who,
        "needs_review": bool(sample.needs_review and sample.reviewed_at is None),
        "review_reasons": [r for r in (sample.review_reasons or "").split(",") if r],
    }


class _Place:
    """Where a scan happens: a desk at a site, or a resident's door (a home-sampling task)."""

    __slots__ = ("desk", "round", "area_path", "label", "task", "allowed")

    def __init__(self, desk, round_obj, area_path, label, task=None):
        self.desk, self.round, self.area_path, self.label, self.task = desk, round_obj, area_path, str(label), task
        self.allowed = None


class _Outcome:
    __slots__ = ("client_id", "status", "message", "data", "code", "http_status", "details")

    def __init__(self, client_id, status, message="", data=None, code="", http_status=200, details=None):
        self.client_id, self.status, self.message, self.data = client_id, status, message, data or {}
        self.code, self.http_status, self.details = code, http_status, details or {}

    def as_dict(self):
        return {"client_id": str(self.client_id) if self.client_id else "", "status": self.status,
                "message": str(self.message), "data": self.data}


def _reject(client_id, exc: ScreeningError):
    return _Outcome(client_id, REJECTED, exc.message, {"code": exc.code, **exc.details}, exc.code, exc.status, exc.details)


def ingest(items, *, actor, interactive=False, source=Sample.Source.DESK) -> list[_Outcome]:
    """Apply desk items in order; returns one outcome per item, in the same order.

    ``interactive`` (the single-scan API): an earlier sample in the round, a resident outside the
    round's scope and an ID number not in the ledger stop the scan until the desk confirms.
    Otherwise (the offline queue: the swab is already in the tube) they are stored with a warning.
    """
    access.require_actor(actor)
    try:
        with transaction.atomic():
            return _Batch(items, actor, interactive, source).run()
    except IntegrityError:
        if len(items) == 1:
            # Lost a race on a unique constraint: what is stored now is the answer.
            with transaction.atomic():
                return _Batch(items, actor, interactive, source).run()
        outcomes = []
        for item in items:
            outcomes += ingest([item], actor=actor, interactive=interactive, source=source)
        return outcomes


def _desks_with_site_round_area(desk_ids) -> dict:
    """{id: desk} with its site, the site's round and area attached, in one hand-written query
    (what ``select_related("site__round", "site__area")`` reads; every scan asks for it)."""
    if not desk_ids:
        return {}
    parts = [(Desk, "d"), (SamplingSite, "s"), (Round, "r"), (Area, "a")]
    fields = {model: list(model._meta.concrete_fields) for model, _alias in parts}
    select = ", ".join(lean.cols(model, [f.name for f in fields[model]], alias) for model, alias in parts)
    rows = lean.select(
        f"SELECT {select} FROM {lean.table(Desk)} d "
        f"JOIN {lean.table(SamplingSite)} s ON s.{lean.column(SamplingSite, 'id')} = d.{lean.column(Desk, 'site')} "
        f"JOIN {lean.table(Round)} r ON r.{lean.column(Round, 'id')} = s.{lean.column(SamplingSite, 'round')} "
        f"JOIN {lean.table(Area)} a ON a.{lean.column(Area, 'id')} = s.{lean.column(SamplingSite, 'area')} "
        f"WHERE d.{lean.column(Desk, 'id')} IN ({lean.marks(desk_ids)})",
        list(desk_ids), [f for model, _alias in parts for f in fields[model]])
    desks = {}
    for row in rows:
        objs, start = [], 0
        for model, _alias in parts:
            width = len(fields[model])
            objs.append(lean.instance(model, [f.attname for f in fields[model]], row[start:start + width]))
            start += width
        desk, site, round_obj, area = objs
        site.round, site.area, desk.site = round_obj, area, site
        desks[desk.pk] = desk
    return desks


class _NewSample:
    """A sample the batch is about to store: the row of screening_sample, and what the answer and
    the change log need (the tube, the person, the home task, a visitor to register first).

    Not a model instance: a batch makes 200 of them, and a model instance costs more to build
    and to turn into a row than the database takes to store it. ``store`` writes them the way
    ``bulk_create`` would: ids reserved up front, each value prepared by its field."""

    __slots__ = ("pk", "round_id", "tube", "slot", "resident_id", "client_id", "client_time", "created_at", "desk_id",
                 "staff_id", "source", "green_channel", "repeat", "area_path", "voided_at", "voided_by", "void_reason",
                 "counts", "needs_review", "review_reasons", "reviewed_at", "reviewed_by", "_person", "_task", "_visitor")

    def __init__(self, round_id, tube, slot, resident_id, client_id, client_time, created_at, desk_id, staff_id, source,
                 green_channel, repeat, area_path, person, task):
        self.pk = None
        self.round_id, self.tube, self.slot, self.resident_id = round_id, tube, slot, resident_id
        self.client_id, self.client_time, self.created_at = client_id, client_time, created_at
        self.desk_id, self.staff_id, self.source = desk_id, staff_id, source
        self.green_channel, self.repeat, self.area_path = green_channel, repeat, area_path
        self.voided_at, self.voided_by, self.void_reason, self.counts = None, None, "", True
        self.needs_review, self.review_reasons, self.reviewed_at, self.reviewed_by = False, "", None, None
        self._person, self._task, self._visitor = person, task, None

    @property
    def tube_id(self):
        return self.tube.pk

    @property
    def visitor_id(self):
        return self._visitor.pk if self._visitor is not None else None

    @property
    def voided_by_id(self):
        return self.voided_by.pk if self.voided_by is not None else None

    @property
    def reviewed_by_id(self):
        return self.reviewed_by.pk if self.reviewed_by is not None else None

    # Every concrete field of Sample, by attribute name; a field added to the model and not
    # here fails the module's test (test_sampling: the new-sample row covers the model).
    COLUMNS = ("id", "round_id", "tube_id", "slot", "resident_id", "visitor_id", "client_id", "client_time", "created_at",
               "desk_id", "staff_id", "source", "green_channel", "repeat", "area_path", "voided_at", "voided_by_id",
               "void_reason", "counts", "needs_review", "review_reasons", "reviewed_at", "reviewed_by_id")

    @classmethod
    def store(cls, samples):
        prepare = row_preparers(Sample, cls.COLUMNS)
        if len(samples) == 1:
            # A single scan: one INSERT … RETURNING, not a round trip for the id first.
            sample, names = samples[0], cls.COLUMNS[1:]
            values = [value if prep is None else prep(value) for prep, value in
                      zip(prepare[1:], [getattr(sample, name) for name in names], strict=True)]
            sample.pk = lean.select(f"INSERT INTO {lean.table(Sample)} ({lean.cols(Sample, names)}) VALUES ({lean.marks(values)}) "
                                    f"RETURNING {lean.column(Sample, 'id')}", values, [None])[0][0]
            return
        ids = allocate_ids(Sample, len(samples))
        if ids is None:  # a database without a safe way to reserve ids: the ORM's insert
            for sample, stored in zip(samples, Sample.objects.bulk_create([sample.as_model() for sample in samples]), strict=True):
                sample.pk = stored.pk
            return
        rows = []
        for pk, sample in zip(ids, samples, strict=True):
            sample.pk = pk
            values = [pk if name == "id" else getattr(sample, name) for name in cls.COLUMNS]
            rows.append(tuple([value if prep is None else prep(value) for prep, value in zip(prepare, values, strict=True)]))
        insert_rows(Sample, cls.COLUMNS, rows)

    def as_model(self) -> Sample:
        return Sample(**{name: getattr(self, "pk" if name == "id" else name) for name in self.COLUMNS})


def _review_reasons(item, person, repeat) -> list[str]:
    """What the server, online, would have asked the desk to confirm and nobody confirmed (the
    offline queue stores the swab anyway: it is in the tube)."""
    reasons = []
    if repeat and not item.get("confirm_repeat"):
        reasons.append("already_sampled")
    fields = person.visitor_fields
    if fields is not None and not item.get("confirm_visitor") and not item.get("visitor"):
        reasons.append("out_of_scope" if fields.get("ledger_resident") is not None else "not_in_ledger")
    return reasons


class _Batch:
    def __init__(self, items, actor, interactive, source):
        self.items = [dict(item) for item in items]
        self.actor = actor
        self.interactive = interactive
        self.source = source
        self.now = timezone.now()
        local = timezone.localtime(self.now)
        self.now_shown = {"at": local.isoformat(timespec="seconds"), "at_display": local.strftime("%m-%d %H:%M")}
        self.outcomes: list = [None] * len(self.items)

    # -- the steps ----------------------------------------------------------------------------

    def run(self):
        self._parse_ids()
        self._answer_stored()
        self._load_desks()
        self._resolve_people()
        self._lock_tubes()
        # A replay racing this batch (the same items from a retrying phone) is not checked for
        # again under the locks: the unique client id makes the loser's insert fail, and the
        # loser is then answered item by item from what the winner stored (see ``ingest``).
        self._apply()
        self._write()
        return self.outcomes

    def _parse_ids(self):
        for i, item in enumerate(self.items):
            cid = _uuid(item.get("client_id"))
            item["_cid"] = cid
            item["_kind"] = item.get("kind") or "sample"
            if cid is None:
                self.outcomes[i] = _reject(None, ScreeningError("bad_client_id", _("Every scan needs a client id (a UUID).")))
            elif item["_kind"] not in ("sample", "undo", "seal"):
                self.outcomes[i] = _reject(cid, ScreeningError("bad_kind", _("Unknown desk operation.")))

    def _pending(self, kinds=("sample", "undo", "seal")):
        return [(i, it) for i, it in enumerate(self.items) if self.outcomes[i] is None and it["_kind"] in kinds]

    def _answer_stored(self):
        """Items whose client id is stored already are answered from the stored row."""
        pending = self._pending()
        if not pending:
            return
        # One hand-written round trip for the common answer (nothing stored yet): both tables at once.
        field = Sample._meta.get_field("client_id")
        db = connections[DEFAULT_DB_ALIAS]
        cids = [field.get_db_prep_value(it["_cid"], db) for _i, it in pending]
        of_samples, params = lean.among(lean.column(Sample, 'client_id'), cids)
        of_actions, _params = lean.among(lean.column(DeskAction, 'client_id'), cids)
        hits = lean.select(
            f"SELECT {lean.column(Sample, 'client_id')}, 's' FROM {lean.table(Sample)} WHERE {of_samples} "
            f"UNION ALL SELECT {lean.column(DeskAction, 'client_id')}, 'a' FROM {lean.table(DeskAction)} WHERE {of_actions}",
            params + params, [field, None])
        if not hits:
            return
        stored = {cid for cid, kind in hits if kind == "s"}
        stored_actions = {cid for cid, kind in hits if kind == "a"}
        samples = {s.client_id: s for s in Sample.objects.filter(client_id__in=stored).select_related("tube", "resident", "visitor")}
        actions = {a.client_id: a for a in DeskAction.objects.filter(client_id__in=stored_actions)}
        for i, it in pending:
            if it["_cid"] in samples:
                s = samples[it["_cid"]]
                self.outcomes[i] = _Outcome(it["_cid"], DUPLICATE, _("Already stored."), sample_data(s))
            elif it["_cid"] in actions:
                a = actions[it["_cid"]]
                self.outcomes[i] = _Outcome(it["_cid"], DUPLICATE, _("Already stored."), a.outcome)

    def _load_desks(self):
        """Where each item happens: a desk of an open round the actor samples at, or a home task."""
        pending = self._pending()
        desk_ids, task_ids = set(), set()
        for _i, it in pending:
            key = "home_task" if it.get("home_task") not in (None, "") else "desk"
            try:
                (task_ids if key == "home_task" else desk_ids).add(int(it.get(key)))
            except (TypeError, ValueError):
                pass
        desks = _desks_with_site_round_area(desk_ids)
        tasks = {t.pk: t for t in HomeTask.objects.select_related("round").filter(pk__in=task_ids).order_by()} if task_ids else {}
        places = {}
        for i, it in pending:
            place = None
            try:
                if it.get("home_task") not in (None, ""):
                    task = tasks.get(int(it["home_task"]))
                    place = places.get(("t", task.pk)) if task else None
                    if task is not None and place is None:
                        place = places[("t", task.pk)] = _Place(None, task.round, task.area_path, _("home sampling"), task)
                else:
                    desk = desks.get(int(it.get("desk")))
                    place = places.get(("d", desk.pk)) if desk else None
                    if desk is not None and place is None:
                        place = places[("d", desk.pk)] = _Place(desk, desk.site.round, desk.site.area.path, str(desk))
            except (TypeError, ValueError):
                place = None
            if place is not None and place.allowed is None:
                place.allowed = access.can(self.actor, "sample", place.area_path)
            if place is None or not place.allowed:
                self.outcomes[i] = _reject(it["_cid"], ScreeningError("unknown_desk", _("Unknown desk."), None))
                self.outcomes[i].http_status = 404
                continue
            if place.round.status != Round.Status.OPEN or (place.desk is not None and not place.desk.active):
                self.outcomes[i] = _reject(it["_cid"], Conflict(
                    "round_not_open", _("The round %(round)s is not open for sampling.") % {"round": place.round.name}))
                continue
            if place.task is not None:
                if place.task.status != HomeTask.Status.OPEN:
                    self.outcomes[i] = _reject(it["_cid"], Conflict("task_closed", _("This home-sampling task is already closed.")))
                    continue
                # At the door the person is the task's resident, whatever else was sent.
                for key in ("id_number", "pass", "visitor"):
                    it.pop(key, None)
                it["resident"] = place.task.resident_id
            it["_place"] = place

    def _resolve_people(self):
        by_round = defaultdict(list)
        for i, it in self._pending(("sample",)):
            by_round[it["_place"].round].append(i)
        self.persons = {}
        for round_obj, indexes in by_round.items():
            resolved = people.resolve_many(round_obj, [self.items[i] for i in indexes], interactive=self.interactive,
                                               actor=self.actor)
            for i, person in zip(indexes, resolved, strict=True):
                if isinstance(person, ScreeningError):
                    self.outcomes[i] = _reject(self.items[i]["_cid"], person)
                else:
                    self.persons[i] = person
            earlier = people.earlier_samples(round_obj, [self.persons[i] for i in indexes if i in self.persons])
            for i in indexes:
                if i in self.persons:
                    self.items[i]["_earlier"] = earlier.get(self.persons[i].key)

    def _lock_tubes(self):
        barcodes_wanted = {}
        for i, it in self._pending(("sample", "seal")):
            try:
                code = barcodes.clean_tube(it.get("tube"))
            except barcodes.BarcodeError as exc:
                self.outcomes[i] = _reject(it["_cid"], ScreeningError("bad_barcode", exc.message))
                continue
            it["_barcode"] = code
            barcodes_wanted.setdefault(code, it["_place"])
        undo_targets = {}
        for i, it in self._pending(("undo",)):
            target = _uuid(it.get("target"))
            if target is None:
                self.outcomes[i] = _reject(it["_cid"], ScreeningError("bad_target", _("Which scan should be undone?")))
            else:
                it["_target"] = target
                undo_targets[target] = i
        stored_targets = {s.client_id: s for s in Sample.objects.filter(client_id__in=list(undo_targets)).select_related("resident", "visitor").order_by()}
        self.stored_targets = stored_targets

        tube_ids = {s.tube_id for s in stored_targets.values()}
        locked = self._locked(tube_ids, barcodes_wanted)
        new = [self._new_tube(code, place) for code, place in barcodes_wanted.items() if code not in {t.barcode for t in locked}]
        if new:
            # A tube is opened by its first scan (it may have been scanned offline). Two desks
            # opening the same new tube at once: one insert wins, the other does nothing.
            insert_new(Tube, new)
            locked = self._locked(tube_ids, barcodes_wanted)
        self.tubes = {t.barcode: t for t in locked}
        self.tubes_by_id = {t.pk: t for t in locked}
        for s in stored_targets.values():
            s.tube = self.tubes_by_id[s.tube_id]
        for t in self.tubes.values():
            t._added = []
            t._dirty = False

    @staticmethod
    def _locked(tube_ids, codes):
        """The tubes, locked in id order (two batches never wait on each other in a circle)."""
        if not tube_ids and not codes:
            return []
        # Hand-written (every scan locks its tube): the whole row, converted as the ORM would.
        fields = list(Tube._meta.concrete_fields)
        wanted, params = [], []
        for name, values in (("id", tube_ids), ("barcode", codes)):
            if values:
                condition, values_params = lean.among(lean.column(Tube, name), values)
                wanted.append(condition)
                params += values_params
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        rows = lean.select(
            f"SELECT {lean.cols(Tube, [f.name for f in fields])} FROM {lean.table(Tube)} WHERE {' OR '.join(wanted)} "
            f"ORDER BY {lean.column(Tube, 'id')}{lock}", params, fields)
        return [lean.instance(Tube, [f.attname for f in fields], row) for row in rows]

    def _new_tube(self, code, place):
        return Tube(barcode=code, round=place.round, site=place.desk.site if place.desk else None, desk=place.desk,
                    capacity=place.round.tube_capacity, area_path=place.area_path, opened_by=self._actor_or_none(),
                    opened_at=self.now)

    def _actor_or_none(self):
        return access.person(self.actor)

    def _apply(self):
        self.staff_id = getattr(self._actor_or_none(), "pk", None)
        self.new_samples = []
        self.new_actions = []
        self.seen_in_batch = {}
        self.voided = []
        for i, it in enumerate(self.items):
            if self.outcomes[i] is not None:
                continue
            try:
                if it["_kind"] == "sample":
                    self.outcomes[i] = self._apply_sample(i, it)
                elif it["_kind"] == "undo":
                    self.outcomes[i] = self._apply_undo(it)
                else:
                    self.outcomes[i] = self._apply_seal(it)
            except ScreeningError as exc:
                self.outcomes[i] = _reject(it["_cid"], exc)

    def _check_tube(self, tube, place):
        if tube.round_id != place.round.pk:
            raise Conflict("tube_other_round", _("Tube %(code)s was already used in another round (%(round)s). Take a new tube.")
                           % {"code": tube.barcode, "round": tube.round.name})
        if tube.status != Tube.Status.OPEN:
            raise Conflict("tube_sealed", _("Tube %(code)s is sealed (%(n)s swabs). Scan a new tube.")
                           % {"code": tube.barcode, "n": tube.used}, {"tube": tube.barcode, "status": tube.status})

    def _apply_sample(self, i, it):
        place, person, tube = it["_place"], self.persons[i], self.tubes[it["_barcode"]]
        self._check_tube(tube, place)
        if tube.used >= tube.capacity:
            raise Conflict("tube_full", _("Tube %(code)s is full. Put this person in a new tube.") % {"code": tube.barcode},
                           {"tube": tube.barcode})
        earlier = it.get("_earlier")
        in_batch = self.seen_in_batch.get(person.key) if person.key else None
        warnings = list(person.warnings)
        repeat = False
        if earlier is not None or in_batch is not None:
            where = people.where_when(earlier) if earlier is not None else in_batch
            if self.interactive and not it.get("confirm_repeat"):
                raise Conflict("already_sampled",
                               _("Already sampled in this round: %(where)s at %(at)s, tube %(tube)s. Do not swab again unless told to.")
                               % {"where": where["where"], "at": where["at_display"], "tube": where["tube"]}, where)
            repeat = True
            warnings.append(_("Already sampled in this round: %(where)s at %(at)s, tube %(tube)s.")
                            % {"where": where["where"], "at": where["at_display"], "tube": where["tube"]})
        if tube.household_id or place.round.pooling == Round.Pooling.HOUSEHOLD:
            self._check_household(tube, person)
        tube.used += 1
        tube._dirty = True
        sample = _NewSample(
            place.round.pk, tube, tube.used, person.resident.pk if person.resident else None, it["_cid"],
            _client_time(it.get("client_time")), self.now, place.desk.pk if place.desk else None, self.staff_id,
            Sample.Source.HOME if place.task else self.source, bool(person.green_reasons) or bool(it.get("green_channel")),
            repeat, place.area_path, person, place.task,
        )
        if person.resident is None:
            fields = dict(person.visitor_fields)
            sample._visitor = Visitor(round_id=place.round.pk, area_path=place.area_path, created_by=self._actor_or_none(),
                                      **fields)
        if not self.interactive:
            reasons = _review_reasons(it, person, repeat)
            if reasons:
                sample.needs_review, sample.review_reasons = True, ",".join(reasons)
        self.new_samples.append(sample)
        tube._added.append(sample)
        if person.key:
            self.seen_in_batch[person.key] = {"tube": tube.barcode, "slot": sample.slot, "where": place.label,
                                              **self.now_shown}
        if tube.used >= tube.capacity:
            self._seal(tube)
        outcome = _Outcome(it["_cid"], CREATED, " ".join(str(w) for w in warnings), None)
        outcome.data = {"_sample": sample, "used": tube.used, "sealed": tube.status != Tube.Status.OPEN,
                        "green_reasons": person.green_reasons, "warnings": [str(w) for w in warnings]}
        return outcome

    def _check_household(self, tube, person):
        """One tube per household: the first resident decides the household and the capacity."""
        if person.resident is None:
            return
        household_id = person.resident.household_id
        if tube.household_id is None:
            if tube.used == 0:
                present = Resident.objects.filter(household_id=household_id, status=Resident.Status.PRESENT).count()
                tube.household_id = household_id
                tube.capacity = max(1, min(present, tube.capacity))
            return
        if tube.household_id != household_id:
            raise Conflict("tube_other_household", _("Tube %(code)s holds household %(room)s; use a new tube for this household.")
                           % {"code": tube.barcode, "room": str(tube.household) if tube.household else tube.household_id})

    def _seal(self, tube):
        tube.status = Tube.Status.SEALED
        tube.sealed_at = self.now
        tube.sealed_by = self._actor_or_none()
        tube._dirty = True

    def _apply_undo(self, it):
        target = it["_target"]
        pending = next((s for s in self.new_samples if s.client_id == target), None)
        sample = pending or self.stored_targets.get(target)
        if sample is None:
            raise ScreeningError("unknown_target", _("The scan to undo was not found."))
        tube = self.tubes_by_id.get(sample.tube_id) if pending is None else sample.tube
        if sample.voided_at is not None:
            return _Outcome(it["_cid"], DUPLICATE, _("Already undone."), {"tube": tube.barcode, "slot": sample.slot})
        if not access.can(self.actor, "sample", sample.area_path):
            raise ScreeningError("unknown_target", _("The scan to undo was not found."))
        if tube.status != Tube.Status.OPEN:
            raise Conflict("tube_sealed", _("Tube %(code)s is sealed; only a scan in the open tube can be undone.") % {"code": tube.barcode})
        if sample.slot != tube.used:
            raise Conflict("not_last", _("Only the last scan of the tube can be undone."))
        sample.voided_at = self.now
        sample.counts = False
        sample.voided_by = self._actor_or_none()
        sample.void_reason = str(it.get("reason") or _("undone at the desk"))[:200]
        tube.used -= 1
        if tube.used == 0 and tube.household_id and tube.round.pooling == Round.Pooling.HOUSEHOLD:
            tube.household_id = None
            tube.capacity = tube.round.tube_capacity
        tube._dirty = True
        if pending is None:
            self.voided.append(sample)
        data = {"tube": tube.barcode, "slot": sample.slot, "used": tube.used, "capacity": tube.capacity, "undone": str(target)}
        self.new_actions.append(DeskAction(client_id=it["_cid"], kind="undo", tube=tube, outcome=data,
                                           client_time=_client_time(it.get("client_time")), staff=self._actor_or_none()))
        return _Outcome(it["_cid"], CREATED, _("Undone."), data)

    def _apply_seal(self, it):
        tube = self.tubes[it["_barcode"]]
        self._check_tube(tube, it["_place"])
        if tube.used == 0:
            raise ScreeningError("tube_empty", _("Tube %(code)s is empty; there is nothing to seal.") % {"code": tube.barcode})
        self._seal(tube)
        data = {"tube": tube.barcode, "used": tube.used, "capacity": tube.capacity, "sealed": True}
        self.new_actions.append(DeskAction(client_id=it["_cid"], kind="seal", tube=tube, outcome=data,
                                           client_time=_client_time(it.get("client_time")), staff=self._actor_or_none()))
        return _Outcome(it["_cid"], CREATED, _("Tube sealed."), data)

    def _write(self):
        visitors = [s._visitor for s in self.new_samples if s._visitor is not None]
        if visitors:
            create_objects(Visitor, visitors)
        # Undone slots must be free before a new sample takes them.
        for s in self.voided:
            Sample.objects.filter(pk=s.pk).update(voided_at=s.voided_at, voided_by=s.voided_by, void_reason=s.void_reason,
                                                  counts=False)
        if self.new_samples:
            # A scan undone inside the same batch is written voided, so its replay stays a duplicate.
            _NewSample.store(self.new_samples)
        _update_tubes([tube for tube in self.tubes.values() if tube._dirty])
        if self.new_actions:
            DeskAction.objects.bulk_create(self.new_actions)
        for s in self.new_samples:
            if s._task is not None and s.voided_at is None:
                HomeTask.objects.filter(pk=s._task.pk).update(status=HomeTask.Status.DONE, sample_id=s.pk, done_at=self.now,
                                                              done_by=self._actor_or_none())
        self._audit()
        for outcome in self.outcomes:
            sample = outcome.data.pop("_sample", None) if outcome.data else None
            if sample is not None:
                outcome.data = {**sample_data(sample, sample.tube, sample._person), **outcome.data}

    def _audit(self):
        """One change-log row per tube the batch touched (the samples themselves carry who,
        where and when), and one per visitor registered and per undo, as value rows
        (``audit.AuditRows``), without a model instance each."""
        rows = audit.AuditRows(self.actor, self.source)
        entry = rows.add
        update, create = AuditEntry.Action.UPDATE, AuditEntry.Action.CREATE
        for tube in self.tubes.values():
            if tube._dirty:
                entry(update, "screening.tube", str(tube.pk), tube.barcode, tube.area_path,
                      {"slots_added": [s.slot for s in tube._added if s.voided_at is None], "used": tube.used, "status": tube.status},
                      "desk")
        for s in self.new_samples:
            if s._visitor is not None:
                entry(create, "screening.visitor", str(s._visitor.pk), people.mask_name(s._visitor.name), s._visitor.area_path,
                      {"id_number": ["***", "***"] if s._visitor.id_number else None}, "desk")
        for s in self.voided + [s for s in self.new_samples if s.voided_at is not None]:
            entry(update, "screening.sample", str(s.pk or s.client_id), f"{s.tube.barcode}#{s.slot}", s.area_path,
                  {"voided_at": [None, str(s.voided_at)]}, s.void_reason)
        for s in self.new_samples:
            if s._task is not None and s.voided_at is None:
                entry(update, "screening.hometask", str(s._task.pk), str(s._task.pk), s._task.area_path,
                      {"status": ["open", "done"], "tube": s.tube.barcode}, _("sampled at home"))
        rows.flush()


TUBE_COUNTERS = ("used", "capacity", "status", "sealed_at", "sealed_by", "household")


def _update_tubes(tubes):
    """Write the counters of the tubes a batch touched.

    ``bulk_update`` builds a CASE expression per field and tube; at 20 tubes a batch that cost
    more than inserting the samples. On PostgreSQL one ``UPDATE … FROM (VALUES …)`` (each value
    cast to its column's type), elsewhere one statement sent once per tube. The values go
    through each field's own conversion, so both store them exactly as the ORM would.
    """
    if not tubes:
        return
    fields = [Tube._meta.get_field(name) for name in TUBE_COUNTERS]
    quote = connection.ops.quote_name
    pk = Tube._meta.pk
    rows = [[f.get_db_prep_save(getattr(tube, f.attname), connection) for f in fields] + [tube.pk] for tube in tubes]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            casts = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in [*fields, pk]) + ")"
            names = ", ".join(quote(f.column) for f in [*fields, pk])
            cursor.execute(
                "UPDATE {table} t SET {sets} FROM (VALUES {values}) AS v ({names}) WHERE t.{pk} = v.{pk}".format(
                    table=quote(Tube._meta.db_table), sets=", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields),
                    values=", ".join([casts] * len(rows)), names=names, pk=quote(pk.column)),
                [value for row in rows for value in row])
            return
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            quote(Tube._meta.db_table), ", ".join(f"{quote(f.column)} = %s" for f in fields), quote(pk.column))
        cursor.executemany(sql, rows)


# --- single operations ------------------------------------------------------------------------

def register(item: dict, *, actor, source=Sample.Source.API) -> _Outcome:
    """One scan, interactive: raises ScreeningError (with ``status`` 409/422) or returns the outcome."""
    outcome = ingest([item], actor=actor, interactive=True, source=source)[0]
    if outcome.status == REJECTED:
        exc = ScreeningError(outcome.code, outcome.message, outcome.details)
        exc.status = outcome.http_status
        raise exc
    return outcome


def complete_home_task(task: HomeTask, raw_barcode, *, actor, client_id=None, client_time=None) -> _Outcome:
    """The sampler at the door scans the tube; the task's resident goes into it."""
    item = {"client_id": client_id or str(uuid.uuid4()), "client_time": client_time, "home_task": task.pk, "tube": raw_barcode,
            "confirm_repeat": True}
    return register(item, actor=actor, source=Sample.Source.HOME)


def tube_status(desk: Desk, raw_barcode, *, actor) -> dict:
    """What the desk needs to know when a tube is scanned (nothing is written: the first swab opens it)."""
    access.require_actor(actor)
    try:
        code = barcodes.clean_tube(raw_barcode)
    except barcodes.BarcodeError as exc:
        raise ScreeningError("bad_barcode", exc.message) from None
    tube = Tube.objects.select_related("round").filter(barcode=code).first()
    capacity = desk.site.round.tube_capacity
    if tube is None:
        return {"tube": code, "state": "new", "used": 0, "capacity": capacity}
    if tube.round_id != desk.site.round_id:
        # A barcode is unique everywhere, so the desk must learn that this one is taken; it names
        # the other round only to someone who may see that round.
        if Round.objects.restrict(actor).filter(pk=tube.round_id).exists():
            raise Conflict("tube_other_round", _("Tube %(code)s was already used in another round (%(round)s). Take a new tube.")
                           % {"code": code, "round": tube.round.name})
        raise Conflict("tube_other_round", _("Tube %(code)s was already used elsewhere. Take a new tube.") % {"code": code})
    if tube.status != Tube.Status.OPEN:
        raise Conflict("tube_sealed", _("Tube %(code)s is sealed (%(n)s swabs). Scan a new tube.") % {"code": code, "n": tube.used},
                       {"tube": code, "status": tube.status})
    last = tube.samples.filter(voided_at__isnull=True).select_related("resident", "visitor").order_by("-slot").first()
    return {"tube": code, "state": "open", "used": tube.used, "capacity": tube.capacity,
            "last": sample_data(last, tube) if last else None, "last_client_id": str(last.client_id) if last else None}
