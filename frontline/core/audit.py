"""Writing the change log. Services call these; nothing else writes AuditEntry rows."""

import datetime
import decimal
import uuid

from django.db import models

from . import context
from .models import AuditEntry

REDACTED = "***"
# Kept in the log in plaintext, but shown redacted like the personal fields, on pages and in the
# API: a resident's birth date is the middle of their ID number, which the mask hides on purpose.
REDACTED_IN_HISTORY = frozenset({"birth_date"})


def _plain(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time, decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return sorted(str(v) for v in value)
    return value


def snapshot(obj) -> dict:
    """The audited state of ``obj``: concrete fields, personal ones redacted to whether they are set."""
    personal = set(getattr(obj, "personal_fields", ()))
    hidden = set(getattr(obj, "audit_exclude", ()))
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in hidden or isinstance(field, models.AutoField):
            continue
        value = getattr(obj, field.attname)
        if field.name in personal:
            data[field.name] = {"set": bool(value), "fp": hash_hint(obj, field.name, value)}
        else:
            data[field.name] = _plain(value)
    for extra in getattr(obj, "audit_extra", ()):
        data[extra] = _plain(getattr(obj, extra)())
    return data


def hash_hint(obj, name, value) -> str:
    """A short keyed fingerprint, so two snapshots can tell a personal value changed without holding it."""
    from .personal import lookup_hash

    return lookup_hash("audit:" + name, value or "")[:8]


def diff(before: dict, after: dict) -> dict:
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and "fp" in old or isinstance(new, dict) and "fp" in new:
            changes[key] = [REDACTED, REDACTED]
        else:
            changes[key] = [old, new]
    return changes


def area_path_of(obj) -> str:
    """Where a record sits in the area tree, so its history is scoped like the record: the
    model's ``audit_area_path()``, or the ``area_path`` it keeps itself."""
    method = getattr(obj, "audit_area_path", None)
    return method() if method is not None else obj.area_path


def record(obj, action, *, actor, before=None, source="web", reason="", area_path=None, changes=None):
    """Append one audit row for ``obj``; ``before`` is the snapshot taken before an update.
    ``actor`` is a user or a system actor (``core.access.system_actor``), never None."""
    from .access import require_actor

    require_actor(actor)
    if changes is None:
        if action == AuditEntry.Action.CREATE:
            changes = diff({}, snapshot(obj))
        elif action == AuditEntry.Action.UPDATE:
            changes = diff(before or {}, snapshot(obj))
        elif action == AuditEntry.Action.DELETE:
            changes = diff(before or snapshot(obj), {})
        else:
            changes = {}
    if action == AuditEntry.Action.UPDATE and not changes:
        return None
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=getattr(actor, "username", "") or "system",
        request_id=context.request_id(),
        source=source,
        action=action,
        model=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        area_path=area_path if area_path is not None else area_path_of(obj),
        changes=changes,
        reason=reason[:300],
    )


class AuditRows:
    """Change-log rows collected and written together, as value rows (``core.bulk.insert_rows``):
    for the import and the desk's batches, which log hundreds of records at once. Each row holds
    exactly what ``record`` writes (same fields, same truncation); the caller gives the changes,
    already redacted. With ``batch``, every that many rows are written as they come."""

    COLUMNS = ("actor", "actor_name", "request_id", "source", "action", "model", "object_id",
               "object_repr", "area_path", "changes", "reason", "at")

    def __init__(self, actor, source, *, batch=None):
        from django.db import connection
        from django.utils import timezone

        from .access import require_actor

        require_actor(actor)

        self.head = (getattr(actor, "pk", None), getattr(actor, "username", "") or "system", context.request_id(), source)
        self.connection = connection
        self.at = AuditEntry._meta.get_field("at").get_db_prep_save(timezone.now(), connection)
        self.changes_field = AuditEntry._meta.get_field("changes")
        self.batch = batch
        self.pending = []

    def add(self, action, model: str, object_id, object_repr: str, area_path: str, changes, reason=""):
        self.pending.append((
            *self.head, action, model, str(object_id), object_repr[:200], area_path,
            self.changes_field.get_db_prep_save(changes, self.connection), reason[:300], self.at,
        ))
        if self.batch and len(self.pending) >= self.batch:
            self.flush()

    def add_for(self, obj, action, changes, *, area_path, label):
        """``add`` for a model instance: its model label and primary key."""
        self.add(action, obj._meta.label_lower, obj.pk, label, area_path, changes)

    def flush(self):
        from .bulk import insert_rows

        insert_rows(AuditEntry, self.COLUMNS, self.pending)
        self.pending = []


def history(obj):
    return AuditEntry.objects.filter(model=obj._meta.label_lower, object_id=str(obj.pk))
