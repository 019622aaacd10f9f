"""The gate decision: identify → policy → record, atomically.

``record_passage`` is what the gate screen, the API, the offline batch and the benchmarks call.
A household's quota place is taken by a compare-and-set write-back on PostgreSQL (the quota row
is written only if it still holds what the decision read; otherwise the decision is made again
on the new row), under a row lock inside the transaction elsewhere: two gates letting out the
last place of the same household at the same instant cannot both succeed. A passage carries a
client id: replaying it (an offline gate retrying) returns the stored one.

The decision runs on every person at every gate, so its reads and writes are hand-written SQL
(frontline/core/lean.py: the same values the ORM reads and writes, without 0.5–1.5 ms of query
building each). On PostgreSQL a passage is 3–4 statements after authentication: gate,
identify, the policy with exemption, isolation and quota (going out only), and one write.
"""

import contextlib
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontline.areas.models import Area
from frontline.core import audit, lean, phones
from frontline.core.access import person, require
from frontline.core.models import AuditEntry
from frontline.core.personal import mask_name  # noqa: F401  (re-exported: the one name mask)
from frontline.core.scoping import user_can
from frontline.isolation.status import isolated_exists_params, isolated_exists_sql
from frontline.residents.models import Household, Resident

from . import policy
from .identify import Identity, identify
from .models import (
    Exemption,
    ExitPolicy,
    Gate,
    HouseholdQuota,
    Passage,
    ResidentPresence,
    Venue,
    VenueScan,
    Visitor,
)
from .querysets import ancestor_paths

HEALTH_CODES = {"", "green", "yellow", "red"}


@dataclass
class PassageResult:
    passage: Passage
    created: bool
    decision: policy.Decision
    identity: Identity | None = None


NOT_ON_DUTY = gettext_lazy("You are not on duty at this gate.")


def require_gate(actor, gate, action="gate"):
    """``core.access.require`` on the gate's compound, refused in the gate's own words."""
    require(actor, action, gate.compound.path, NOT_ON_DUTY)


_GATE = ["id", "compound_id", "name", "opens_at", "closes_at", "active"]
_COMPOUND = ["id", "kind", "name", "path", "depth"]


def gate_for(user, gate_id) -> Gate:
    """The gate ``gate_id`` with its compound and venue id, for a passage by ``user``; 404 when
    it does not exist or lies outside the user's scope (as ``get_scoped_or_404(…, "view")``).
    One hand-written query."""
    sql = (
        f"SELECT {lean.cols(Gate, _GATE, 'g')}, {lean.cols(Area, _COMPOUND, 'c')}, "
        f"(SELECT MIN(v.{lean.column(Venue, 'id')}) FROM {lean.table(Venue)} v WHERE v.{lean.column(Venue, 'gate')} = g.{lean.column(Gate, 'id')}) "
        f"FROM {lean.table(Gate)} g JOIN {lean.table(Area)} c ON c.{lean.column(Area, 'id')} = g.{lean.column(Gate, 'compound')} "
        f"WHERE g.{lean.column(Gate, 'id')} = %s"
    )
    rows = lean.select(sql, [gate_id], [*lean.fields(Gate, _GATE), *lean.fields(Area, _COMPOUND), None])
    if not rows or user is None or not user.is_authenticated or not user.is_active:
        raise Http404
    row = rows[0]
    gate = lean.instance(Gate, _GATE, row[: len(_GATE)])
    gate.compound = lean.instance(Area, _COMPOUND, row[len(_GATE): -1])
    if not user.is_superuser and not user_can(user, "view", gate.compound.path):
        raise Http404
    gate._venue_id = row[-1]
    return gate


_POLICY = ["id", "area_id", "mode", "quota_people", "quota_days", "effective_from", "effective_until"]


_QUOTA = ["id", "household_id", "policy_id", "period_start", "people"]


def _policy_facts(path: str, at, resident_id=None, household_id=None):
    """The policy in force for an area at ``at`` (as ``ExitPolicy.objects.for_path``) and, for
    a resident going out, whether they hold a valid exemption and whether they are under home
    isolation — one query. Returns (policy or None, has_exemption, isolated).

    With ``household_id`` (PostgreSQL), the same query also reads the household's latest quota
    row under that policy and the names of who used it, returned as ``policy._latest_quota``
    (None without one): what a controlled exit needs, without two more round trips."""
    ancestors = ancestor_paths(path)
    at_param = lean.datetime_param(at)
    p, a = (lambda n: lean.column(ExitPolicy, n, "p")), (lambda n: lean.column(Area, n, "a"))
    in_force = (
        f"SELECT {lean.cols(ExitPolicy, _POLICY, 'p')} FROM {lean.table(ExitPolicy)} p "
        f"JOIN {lean.table(Area)} a ON {a('id')} = {p('area')} "
        f"WHERE {a('path')} IN ({lean.marks(ancestors)}) AND {p('effective_from')} <= %s "
        f"AND ({p('effective_until')} IS NULL OR {p('effective_until')} > %s) "
        f"ORDER BY {a('depth')} DESC, {p('effective_from')} DESC, {p('id')} DESC LIMIT 1"
    )
    params = [*ancestors, at_param, at_param]
    extra, columns = [], ""
    if resident_id is not None:
        e = lambda n: lean.column(Exemption, n, "e")  # noqa: E731
        # Isolation is the isolation app's one rule (isolation.status), as an SQL fragment.
        columns = (
            f", EXISTS (SELECT 1 FROM {lean.table(Exemption)} e WHERE {e('resident')} = %s AND {e('revoked_at')} IS NULL "
            f"AND {e('valid_from')} <= %s AND {e('valid_until')} > %s)"
            f", {isolated_exists_sql()}"
        )
        extra = [resident_id, at_param, at_param, resident_id, *isolated_exists_params(at)]
    quota_columns, quota_join, quota_params, quota_fields = "", "", [], []
    if household_id is not None and extra:
        hq, r = (lambda n: lean.column(HouseholdQuota, n, "hq")), (lambda n: lean.column(Resident, n, "r"))
        quota_columns = (
            f", {lean.cols(HouseholdQuota, _QUOTA, 'qu')}, (SELECT array_agg({r('name')} ORDER BY {r('household')}, {r('id')}) "
            f"FROM {lean.table(Resident)} r "
            f"WHERE {r('id')} = ANY (ARRAY(SELECT jsonb_array_elements_text(qu.{lean.column(HouseholdQuota, 'people')})::bigint)))"
        )
        quota_join = (
            f" LEFT JOIN LATERAL (SELECT {lean.cols(HouseholdQuota, _QUOTA, 'hq')} FROM {lean.table(HouseholdQuota)} hq "
            f"WHERE {hq('household')} = %s AND {hq('policy')} = q.{lean.column(ExitPolicy, 'id')} "
            f"ORDER BY {hq('period_start')} DESC LIMIT 1) qu ON TRUE"
        )
        quota_params, quota_fields = [household_id], [*lean.fields(HouseholdQuota, _QUOTA), None]
    # One row even without a policy: the exemption and isolation columns are always answered.
    sql = (f"SELECT {lean.cols(ExitPolicy, _POLICY, 'q')}{columns}{quota_columns} "
           f"FROM (SELECT 1 AS one) d LEFT JOIN ({in_force}) q ON 1 = 1{quota_join}")
    row = lean.select(sql, [*extra, *params, *quota_params],
                      [*lean.fields(ExitPolicy, _POLICY), *([None, None] if extra else []), *quota_fields])[0]
    policy_obj = lean.instance(ExitPolicy, _POLICY, row[: len(_POLICY)]) if row[0] is not None else None
    if not extra:
        return policy_obj, False, False
    if quota_fields and policy_obj is not None:
        quota_row = row[len(_POLICY) + 2: len(_POLICY) + 2 + len(_QUOTA)]
        policy_obj._latest_quota = None
        if quota_row[0] is not None:
            policy_obj._latest_quota = lean.instance(HouseholdQuota, _QUOTA, quota_row)
            policy_obj._latest_quota._names = [mask_name(name) for name in row[-1] or []]
    n = len(_POLICY)
    return policy_obj, bool(row[n]), bool(row[n + 1])


def policy_for(path: str, at) -> ExitPolicy | None:
    return _policy_facts(path, at)[0]


def _mode(policy_obj) -> str:
    return policy_obj.mode if policy_obj else "normal"


def clean_uuid(value, field="client_id"):
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({field: _("Not a valid client id (a UUID).")}) from None


def _stored(passage: Passage) -> policy.Decision:
    return policy.Decision(passage.decision == "allowed", passage.rule, passage.reason)


def record_passage(
    *, gate, actor, direction, value="", resident_id=None, visitor=None, health_code="", travel_risk=False,
    temperature=None, retest_of=None, client_id=None, client_time=None, offline=None, now=None,
) -> PassageResult:
    """Decide and record one person at ``gate``; returns the stored passage (an existing one for a
    replayed ``client_id``). Raises ValidationError for input the staff must correct (a mistyped
    ID number, a temperature of 373, an unknown person without visitor details)."""
    require_gate(actor, gate)
    if direction not in ("in", "out"):
        raise ValidationError({"direction": _("Choose in or out.")})
    if health_code not in HEALTH_CODES:
        raise ValidationError({"health_code": _("Health code colour must be green, yellow or red.")})
    temp = policy.parse_temperature(temperature)
    client_id = clean_uuid(client_id)
    # A replayed client id is found by the passage's unique index when the passage is inserted
    # (the transaction then rolls back and the stored passage is answered), not by a lookup
    # first: replays are rare, and every passage would pay for that query. Input that no longer
    # decides the same way (the person moved out since) still answers the stored passage.
    try:
        return _decide(gate=gate, actor=actor, direction=direction, value=value, resident_id=resident_id, visitor=visitor,
                       health_code=health_code, travel_risk=travel_risk, temp=temp, retest_of=retest_of,
                       client_id=client_id, client_time=client_time, offline=offline, now=now)
    except (IntegrityError, ValidationError):
        existing = Passage.objects.filter(client_id=client_id).first() if client_id is not None else None
        if existing is None:
            raise
        return PassageResult(existing, False, _stored(existing))


def _decide(*, gate, actor, direction, value, resident_id, visitor, health_code, travel_risk, temp, retest_of,
            client_id, client_time, offline, now) -> PassageResult:
    now = now or timezone.now()
    checks = policy.Checks(health_code=health_code, travel_risk=bool(travel_risk), temperature=temp)
    offline = _clean_offline(offline)
    first = _retest_source(gate, retest_of, now, offline) if retest_of else None
    if first is not None:
        resident_id = first.resident_id or resident_id
        visitor = None
    ident = None if first is not None and first.visitor_id else identify(gate, value, resident_id=resident_id, now=now)
    if ident is not None and ident.error_rule and ident.error_rule not in _REFUSING and not offline:
        raise ValidationError({"value": ident.error})
    # A retry follows only a quota place taken by another gate meanwhile; the places are finite
    # (at most 50 a household), so after that many the household's quota is full: a refusal.
    for _attempt in range(_MAX_QUOTA_RETRIES):
        try:
            with contextlib.ExitStack() as scope:
                tx = _Transaction(scope)
                if not lean.writes_in_one_statement() or connection.in_atomic_block:
                    tx.begin()  # inside a caller's transaction: a savepoint, so a replay's failed INSERT rolls back alone
                passage, decision = _decide_and_record(
                    gate=gate, actor=actor, direction=direction, ident=ident, visitor=visitor, checks=checks,
                    first=first, client_id=client_id, client_time=client_time, offline=offline, now=now, tx=tx,
                )
            return PassageResult(passage, True, decision, ident)
        except _QuotaTaken:
            continue
    raise RuntimeError("the household's quota kept changing under the decision")


_MAX_QUOTA_RETRIES = 60


class _Transaction:
    """The decision's transaction, opened only when it is needed.

    On PostgreSQL the passage and the writes that go with it are one statement (atomic by
    itself, the quota's compare-and-set included), so a decision that reads, decides and writes
    once needs no BEGIN and COMMIT. It is opened before a visitor row is created (stored with
    its passage or not at all); on other databases (where it also holds the quota row until the
    passage is written), and inside a caller's transaction (a savepoint), from the start."""

    def __init__(self, scope: contextlib.ExitStack):
        self.scope, self.open = scope, False

    def begin(self):
        if not self.open:
            self.scope.enter_context(transaction.atomic())
            self.open = True


_REFUSING = {"qr_invalid", "qr_expired", "pass_revoked", "pass_expired", "pass_not_yet_valid", "pass_other_compound"}


def _clean_offline(offline):
    if not offline:
        return None
    decision = offline.get("decision")
    if decision not in ("allowed", "refused"):
        raise ValidationError({"offline": _("An offline decision must be allowed or refused.")})
    return {"decision": decision, "rule": str(offline.get("rule") or "")[:30], "reason": str(offline.get("reason") or "")[:300]}


def _retest_source(gate, retest_of, now, offline) -> Passage:
    lookup = {"client_id": clean_uuid(retest_of, "retest_of")} if not str(retest_of).isdigit() else {"pk": int(retest_of)}
    first = Passage.objects.filter(gate__compound=gate.compound_id, **lookup).first()
    if first is None:
        raise ValidationError({"retest_of": _("The first measurement was not found.")})
    if first.rule != "fever":
        raise ValidationError({"retest_of": _("Only a passage refused for fever is re-measured.")})
    due = first.at + policy.REMEASURE_AFTER
    if not offline and now < due:
        raise ValidationError({"temperature": _("Wait: measure again after %(at)s (5 minutes after the first reading).") % {
            "at": timezone.localtime(due).strftime("%H:%M:%S")}})
    return first


def _visitor_from(gate, data, actor) -> Visitor:
    data = dict(data or {})
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise ValidationError({"visitor": _("Unknown person: register them as a visitor (name, phone, reason, host).")})
    kind = data.get("kind") or "visitor"
    if kind not in Visitor.Kind.values:
        raise ValidationError({"visitor": _("A visitor is a visitor or a delivery.")})
    try:
        phone = phones.normalise(data.get("phone") or "")
    except phones.PhoneError as exc:
        raise ValidationError({"phone": str(exc)}) from None
    host = None
    if data.get("host_household"):
        host = Household.objects.in_area(gate.compound).filter(pk=data["host_household"]).first()
        if host is None:
            raise ValidationError({"host_household": _("The host household is not in this compound.")})
    return Visitor.objects.create(
        compound_id=gate.compound_id, kind=kind, name=name[:60], phone=phone, reason=str(data.get("reason") or "")[:200],
        host_household=host, created_by=person(actor),
    )


def _decide_and_record(*, gate, actor, direction, ident, visitor, checks, first, client_id, client_time, offline, now, tx):
    passage = Passage(
        gate=gate, direction=direction, at=now, client_time=client_time, staff=person(actor), health_code=checks.health_code,
        travel_risk=checks.travel_risk, temperature=checks.temperature, client_id=client_id,
        decided_offline=bool(offline),
    )
    first_temperature = None
    if first is not None:
        passage.retest_of, first_temperature = first, first.temperature
        passage.first_temperature = first_temperature
    gate_open = gate.is_open(now)
    quota_lock = None
    if first is not None and first.visitor_id:
        passage.visitor, passage.method = first.visitor, "visitor"
        decision = policy.decide_visitor(direction=direction, now=now, gate_open=gate_open, mode=_mode(policy_for(gate.compound.path, now)),
                                         kind=first.visitor.kind, checks=checks, first_temperature=first_temperature)
    elif ident is not None and ident.error_rule:
        passage.method, passage.gate_pass, passage.household = ident.method, ident.gate_pass, ident.household
        decision = policy.Decision(False, ident.error_rule, ident.error)
    elif ident is not None and ident.resident is not None:
        resident = ident.resident
        passage.resident, passage.household, passage.method = resident, resident.household, ident.method
        passage.gate_pass = ident.gate_pass
        decision, quota_lock = _decide_resident(gate, resident, direction, checks, now, gate_open, first_temperature, offline, tx=tx)
    elif ident is not None and (ident.candidates or ident.members) and not visitor:
        raise ValidationError({"value": _("Several residents match: choose who it is.")})
    else:
        if not visitor and offline:
            # An offline gate let someone through whom the server cannot place: keep the record.
            passage.method = ident.method if ident else ""
            decision = policy.Decision(False, "unknown", _("Not identified on the server."))
        else:
            tx.begin()
            passage.visitor = _visitor_from(gate, visitor, actor)
            passage.method = "visitor"
            passage.household = passage.visitor.host_household
            decision = policy.decide_visitor(direction=direction, now=now, gate_open=gate_open,
                                             mode=_mode(policy_for(gate.compound.path, now)),
                                             kind=passage.visitor.kind, checks=checks, first_temperature=first_temperature)
    if offline:
        passage.decision, passage.rule, passage.reason = offline["decision"], offline["rule"] or decision.rule, offline["reason"]
        if offline["decision"] != decision.decision or (offline["rule"] and offline["rule"] != decision.rule):
            passage.needs_review, passage.server_rule = True, decision.rule
    else:
        passage.decision, passage.rule, passage.reason = decision.decision, decision.rule, str(decision.reason)[:300]
    writes, guard = [], None  # the writes that go with the passage: one statement with it on PostgreSQL
    if quota_lock is not None and passage.decision == "allowed" and passage.resident_id not in quota_lock.people:
        quota_lock.people = [*quota_lock.people, passage.resident_id]
        update = _quota_write(quota_lock, compare_and_set=lean.writes_in_one_statement())
        if lean.writes_in_one_statement():
            guard = update
        else:
            writes.append(update)
    if passage.decision == "allowed":
        writes.extend(_after_allowed_writes(passage, now))
    if not lean.insert_with(passage, writes, guard=guard):
        raise _QuotaTaken
    return passage, decision


class _QuotaTaken(Exception):
    """Another gate took a place of this household's quota between our read and our write."""


def _quota_write(quota, compare_and_set):
    """The UPDATE storing ``quota.people``; with ``compare_and_set``, only if the row still holds
    what was read (``quota._read_people``). Under PostgreSQL's READ COMMITTED, an UPDATE that
    finds the row changed by a concurrent transaction waits for it to commit and re-checks its
    WHERE on the new row: of two gates taking the last place at once, exactly one succeeds."""
    field, column = HouseholdQuota._meta.get_field("people"), lean.column(HouseholdQuota, "people")
    sql = f"UPDATE {lean.table(HouseholdQuota)} SET {column} = %s WHERE {lean.column(HouseholdQuota, 'id')} = %s"
    params = [field.get_db_prep_save(quota.people, connection), quota.pk]
    if compare_and_set:
        sql += f" AND {column} = %s"
        params.append(field.get_db_prep_save(quota._read_people, connection))
    return sql, params


def preview(gate, ident: Identity, direction: str, checks: policy.Checks | None = None, now=None) -> policy.Decision | None:
    """What the gate would decide, without recording or locking (the identify step of the screen).
    None when the person is not identified yet (choose among several, or the visitor flow)."""
    now = now or timezone.now()
    checks = checks or policy.Checks()
    if ident.error_rule:
        return policy.Decision(False, ident.error_rule, ident.error)
    if ident.resident is None:
        return None
    decision, _quota = _decide_resident(gate, ident.resident, direction, checks, now, gate.is_open(now), None, None, tx=None)
    return decision


def _decide_resident(gate, resident, direction, checks, now, gate_open, first_temperature, offline, tx):
    """The decision for a resident and, when it depends on the household's quota, the quota row.

    Recording (``tx`` given): on PostgreSQL the row is read without a lock, and a decision that
    takes a place writes it back only if nobody changed it meanwhile (``_quota_write``); on other
    databases it is read inside the transaction (``tx`` opened first), which holds the write lock.
    A preview (``tx`` None) reads it without a lock and writes nothing."""
    household = resident.household
    compare_and_set = tx is not None and lean.writes_in_one_statement()
    if direction == "in":  # coming home never depends on the area's exit policy: no query for it
        policy_obj, exempt, isolated = None, False, False
    else:
        policy_obj, exempt, isolated = _policy_facts(household.area.path, now, resident.pk,
                                                     household.pk if compare_and_set else None)
    mode = _mode(policy_obj)
    kinds = ()
    if exempt:
        kinds = set(Exemption.objects.valid_at(now).filter(resident=resident).values_list("kind", flat=True))
    decision = policy.decide_resident(
        direction=direction, now=now, gate_open=gate_open, mode=mode, exemption_kinds=kinds, isolated=isolated,
        checks=checks, first_temperature=first_temperature,
    )
    if not decision.uses_quota:
        return decision, None
    latest = getattr(policy_obj, "_latest_quota", None)
    if compare_and_set and latest is not None and latest.period_start == policy_obj.period_start(now):
        quota = latest  # read with the policy; its users' names too
    elif compare_and_set:
        quota = lock_quota(household, policy_obj, now)
    elif tx is not None:
        tx.begin()
        quota = lock_quota(household, policy_obj, now)
    else:
        quota = HouseholdQuota.objects.filter(
            household=household, policy=policy_obj, period_start=policy_obj.period_start(now)
        ).first() or HouseholdQuota(household=household, policy=policy_obj, people=[])
    quota._read_people = list(quota.people)  # what a compare-and-set expects to find
    names = getattr(quota, "_names", None) or []
    if not names and resident.pk not in quota.people and len(quota.people) >= policy_obj.quota_people and quota.people:
        ids = [int(pk) for pk in quota.people]
        sql = (f"SELECT {lean.column(Resident, 'name')} FROM {lean.table(Resident)} "
               f"WHERE {lean.column(Resident, 'id')} IN ({lean.marks(ids)}) "
               f"ORDER BY {lean.column(Resident, 'household')}, {lean.column(Resident, 'id')}")
        names = [mask_name(name) for (name,) in lean.select(sql, ids, [None])]
    decision = policy.decide_quota(resident_id=resident.pk, people=quota.people, quota_people=policy_obj.quota_people,
                                   quota_days=policy_obj.quota_days, user_names=names)
    return decision, quota


def lock_quota(household, policy_obj, now) -> HouseholdQuota:
    """The household's quota row for the period of ``now``, created by INSERT … ON CONFLICT DO
    NOTHING when missing, so two gates creating it at once do not fail.

    No row lock: PostgreSQL decisions read it and write it back by compare-and-set; on SQLite the
    transaction (begun IMMEDIATE) holds the database's write lock until the decision commits.
    """
    period = policy_obj.period_start(now)
    names = ["id", "household_id", "policy_id", "period_start", "people"]
    q = lambda n: lean.column(HouseholdQuota, n)  # noqa: E731
    locked = (f"SELECT {lean.cols(HouseholdQuota, names)} FROM {lean.table(HouseholdQuota)} "
              f"WHERE {q('household')} = %s AND {q('policy')} = %s AND {q('period_start')} = %s")
    params = [household.pk, policy_obj.pk, lean.date_param(period)]
    columns = lean.fields(HouseholdQuota, names)
    rows = lean.select(locked, params, columns)
    if not rows:  # the period's first exit of this household
        people = HouseholdQuota._meta.get_field("people").get_db_prep_save([], connection)
        lean.execute(f"INSERT INTO {lean.table(HouseholdQuota)} ({q('household')}, {q('policy')}, {q('period_start')}, {q('people')}) "
                     f"VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING", [*params, people])
        rows = lean.select(locked, params, columns)
    return lean.instance(HouseholdQuota, names, rows[0])


def _after_allowed(passage: Passage, now) -> None:
    for sql, params in _after_allowed_writes(passage, now):
        lean.execute(sql, params)


def _after_allowed_writes(passage: Passage, now) -> list[tuple[str, list]]:
    """What letting a person through also writes: where the resident is now, and a check-in at
    the gate's venue. (sql, params) pairs, independent of each other and of the passage row."""
    writes = []
    if passage.resident_id:
        r = lambda n: lean.column(ResidentPresence, n)  # noqa: E731
        changed = ", ".join(f"{r(n)} = excluded.{r(n)}" for n in ("is_out", "since", "gate", "household"))
        writes.append((
            f"INSERT INTO {lean.table(ResidentPresence)} ({r('resident')}, {r('household')}, {r('is_out')}, {r('since')}, {r('gate')}) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT ({r('resident')}) DO UPDATE SET {changed}",
            [passage.resident_id, passage.household_id, passage.direction == "out", lean.datetime_param(now), passage.gate_id],
        ))
        person_hash = passage.resident.id_number_hash or passage.resident.phone_hash
    else:
        person_hash = passage.visitor.phone_hash if passage.visitor_id else ""
    # A registration at the gate is a check-in at the gate's venue, for tracing like an app scan.
    venue_id = gate_venue_id(passage.gate)
    if venue_id and person_hash:
        scan = VenueScan(venue_id=venue_id, person_hash=person_hash, resident_id=passage.resident_id,
                         scanned_at=now, source=VenueScan.Source.GATE)
        writes.append(lean.insert_statement(scan, returning=False))
    return writes


def gate_venue_id(gate) -> int | None:
    """The gate's venue id, remembered on the gate instance (callers fetch the gate per request)."""
    if not hasattr(gate, "_venue_id"):
        gate._venue_id = Venue.objects.filter(gate_id=gate.pk).order_by("pk").values_list("pk", flat=True).first()
    return gate._venue_id


@transaction.atomic
def override_passage(passage: Passage, *, actor, reason: str, source="web") -> Passage:
    """A supervisor lets a refused person through; the refusal, the rule and the reason stay."""
    require_gate(actor, passage.gate, "override")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An override needs a reason.")})
    passage = Passage.objects.select_for_update().select_related("gate__compound").get(pk=passage.pk)
    if passage.decision != "refused":
        raise ValidationError(_("Only a refusal can be overridden."))
    if passage.overridden_by_id:
        raise ValidationError(_("This refusal was already overridden."))
    before = audit.snapshot(passage)
    now = timezone.now()
    passage.overridden_by, passage.overridden_at, passage.override_reason = person(actor), now, reason[:300]
    passage.save(update_fields=["overridden_by", "overridden_at", "override_reason"])
    _after_allowed(passage, now)
    audit.record(passage, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source,
                 reason=f"override ({passage.rule}): {reason}")
    return passage


def passages_to_review(gate: Gate, *, actor, limit=100):
    """Passages decided offline at ``gate`` that the server would have decided otherwise, not yet
    looked at, oldest first."""
    require_gate(actor, gate)
    return list(Passage.objects.filter(gate=gate, needs_review=True, reviewed_at__isnull=True)
                .select_related("resident", "visitor").order_by("at", "pk")[:limit])


@transaction.atomic
def review_passage(passage: Passage, *, actor, note: str = "", source="web") -> Passage:
    """Someone on duty has looked at a passage the server questioned (``needs_review``); the
    decision as made at the gate stays, with who looked and when in the change log."""
    require_gate(actor, passage.gate)
    passage = Passage.objects.select_for_update().select_related("gate__compound").get(pk=passage.pk)
    if not passage.needs_review:
        raise ValidationError(_("This passage does not need a review."))
    if passage.reviewed_at is not None:
        raise ValidationError(_("Someone has looked at this passage already."))
    before = audit.snapshot(passage)
    passage.reviewed_at, passage.reviewed_by = timezone.now(), person(actor)
    passage.save(update_fields=["reviewed_at", "reviewed_by"])
    audit.record(passage, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source,
                 reason=f"reviewed ({passage.rule} / server: {passage.server_rule}){': ' + note if note else ''}"[:300])
    return passage
