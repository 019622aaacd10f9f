"""The one alert inbox (DESIGN.md §9): producers raise, people acknowledge and resolve.

Producers (services, scheduled jobs) call ``raise_alert`` after their own permission check: the
inbox does not ask whether a lab user may alert a building leader, only that someone acts. The
``key`` says what the alert is about ("screening.positive_pool:tube:42:area:0001000200"): while
an alert with that key is open, raising it again returns the open one, so a rerun task or a
replayed result never alerts twice. ``resolve_alerts(key=...)`` closes it when the cause is gone.

The message is an English msgid (mark it with ``gettext_noop``) and ``params`` the values to
format it with, both stored; each reader sees it in their own language. Keep personal data out
of params (a masked ID at most): the inbox is read by everyone responsible for the area.

People act through ``acknowledge_alert`` (seen, working on it) and ``resolve_alert`` (done, with a
reason); both require that the person can see the alert (``Alert.objects.restrict``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from . import audit, registry
from .access import is_system, path_of
from .models import Alert, AuditEntry
from .registry import AlertKind

SEVERITIES = tuple(Alert.RANKS)


class UnknownAlertKind(LookupError):
    """A kind no installed app declares on its AppConfig (``FrontlineApp.alert_kinds``)."""


def kind_of(code: str) -> AlertKind:
    try:
        return registry.alert_kinds()[code]
    except KeyError:
        raise UnknownAlertKind(f"unknown alert kind {code!r}: declare it in an AppConfig's alert_kinds") from None


def _msgid(message) -> str:
    """The untranslated message: a ``gettext_lazy`` proxy gives back its msgid, not today's language."""
    if isinstance(message, Promise):
        _unpickle, (_func, args, _kwargs, *_rest) = message.__reduce__()
        if args and isinstance(args[0], str):
            return args[0]
    return str(message)


def _plain_params(params) -> dict:
    out = {}
    for name, value in (params or {}).items():
        out[str(name)] = value if isinstance(value, (int, float, bool)) or value is None else str(value)
    return out


def _source(actor) -> str:
    return "job" if is_system(actor) else "web"


def _require_actor(actor):
    if actor is None:
        raise PermissionDenied(_("No acting user was given."))


def raise_alert(kind, *, key, area_path, message, params=None, severity=None, target=None, due=None, assignee=None,
                actor) -> Alert:
    """Open an alert of ``kind`` for the people responsible for ``area_path`` (a path or a record
    with one), unless one with ``key`` is open already: then that one is returned unchanged."""
    _require_actor(actor)
    spec = kind_of(kind)
    severity = severity or spec.severity
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}: one of {', '.join(SEVERITIES)}")
    if not key or len(key) > 200:
        raise ValueError("an alert key is 1 to 200 characters")
    path = path_of(area_path) if area_path is not None else ""
    existing = Alert.objects.filter(key=key, resolved_at__isnull=True).first()
    if existing is not None:
        return existing
    alert = Alert(
        kind=spec.code, severity=severity, rank=Alert.RANKS[severity], key=key, area_path=path,
        message=_msgid(message)[:300], params=_plain_params(params), due=due, assignee=assignee,
        raised_by=getattr(actor, "username", "") or "system",
    )
    if target is not None:
        from django.contrib.contenttypes.models import ContentType

        alert.target_type = ContentType.objects.get_for_model(target, for_concrete_model=False)
        alert.target_id = str(target.pk)
    try:
        with transaction.atomic():
            alert.save()
            audit.record(alert, AuditEntry.Action.CREATE, actor=actor, source=_source(actor))
    except IntegrityError:
        # Raised at the same instant by someone else: theirs is the one.
        existing = Alert.objects.filter(key=key, resolved_at__isnull=True).first()
        if existing is None:
            raise
        return existing
    if spec.notify:
        from .notify import schedule_notification

        schedule_notification(alert)
    return alert


@transaction.atomic
def resolve_alerts(*, key, actor, reason="") -> int:
    """Resolve the open alert with ``key`` (its cause is gone); how many were resolved (0 or 1)."""
    _require_actor(actor)
    count = 0
    for alert in Alert.objects.select_for_update().filter(key=key, resolved_at__isnull=True):
        _close(alert, actor, reason)
        count += 1
    return count


def _visible(alert: Alert, actor) -> Alert:
    """The alert, locked, if ``actor`` may see it; else PermissionDenied (views answer 404 before)."""
    _require_actor(actor)
    locked = Alert.objects.select_for_update().filter(pk=alert.pk).first()
    if locked is None:
        raise ValidationError(_("This alert no longer exists."))
    if not is_system(actor) and not Alert.objects.restrict(actor).filter(pk=alert.pk).exists():
        raise PermissionDenied(_("This alert is not for you."))
    return locked


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor) -> Alert:
    """Say that someone has seen the alert and is on it (once; again is a no-op)."""
    locked = _visible(alert, actor)
    if locked.acknowledged_at is None and locked.resolved_at is None:
        before = audit.snapshot(locked)
        locked.acknowledged_at = timezone.now()
        locked.acknowledged_by = actor if getattr(actor, "pk", None) else None
        locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(locked, AuditEntry.Action.UPDATE, actor=actor, before=before, source=_source(actor))
    return locked


@transaction.atomic
def resolve_alert(alert: Alert, *, actor, reason: str) -> Alert:
    """Close the alert, saying how it was settled."""
    locked = _visible(alert, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say how this was settled.")})
    if locked.resolved_at is not None:
        raise ValidationError(_("This alert was already resolved."), code="conflict")
    _close(locked, actor, reason)
    return locked


def _close(alert: Alert, actor, reason: str):
    before = audit.snapshot(alert)
    alert.resolved_at = timezone.now()
    alert.resolved_by = actor if getattr(actor, "pk", None) else None
    alert.resolved_by_name = getattr(actor, "username", "") or "system"
    alert.resolution = (reason or "")[:300]
    alert.save(update_fields=["resolved_at", "resolved_by", "resolved_by_name", "resolution"])
    audit.record(alert, AuditEntry.Action.UPDATE, actor=actor, before=before, source=_source(actor), reason=reason)


__all__ = ["SEVERITIES", "UnknownAlertKind", "acknowledge_alert", "kind_of", "raise_alert", "resolve_alert",
           "resolve_alerts"]
