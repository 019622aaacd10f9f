"""Notifications out of the system (optional, on by configuration: FRONTLINE_NOTIFY_BACKENDS).

An alert whose kind says ``notify=True`` is sent, once it is committed, to every person who can
see it, through each configured backend. A backend is one small class (``send(user, subject,
body)``): the console/file backend for the demo, Django's mail for e-mail; an SMS gateway or a
WeCom webhook is one more class named in the setting. ``AlertNotification`` rows, unique per
(alert, person, channel), are claimed before sending, so a retried task, two workers or a raise
repeated never send the same notification twice.

The body carries the alert's message in the person's language and a link to their inbox; it
never carries personal data beyond what the message itself holds (messages hold none).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Backend:
    """Base of a notification transport. ``channel`` names it in the dedupe rows."""

    channel = "base"

    def send(self, user, subject: str, body: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(Backend):
    """Writes each notification to stdout, or appended to ``path`` (the demo: var/notifications.log)."""

    channel = "console"

    def __init__(self, path: str | None = None):
        self.path = path

    def send(self, user, subject, body):
        line = f"[{timezone.now():%Y-%m-%d %H:%M:%S}] to {user.get_username()}: {subject}\n{body}\n\n"
        if self.path:
            target = Path(self.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("a", encoding="utf-8") as handle:
                handle.write(line)
        else:
            sys.stdout.write(line)


class EmailBackend(Backend):
    """Django's mail (EMAIL_BACKEND, EMAIL_HOST...): to the user's e-mail address, if any."""

    channel = "email"

    def send(self, user, subject, body):
        from django.core.mail import send_mail

        if not user.email:
            return
        send_mail(subject, body, None, [user.email])


def backends() -> list[Backend]:
    """The configured backends: FRONTLINE_NOTIFY_BACKENDS, a list of dotted class paths or
    (path, {options}) pairs. Empty (the default outside the demo): no notifications."""
    found = []
    for entry in getattr(settings, "FRONTLINE_NOTIFY_BACKENDS", ()):
        path, options = (entry, {}) if isinstance(entry, str) else entry
        found.append(import_string(path)(**options))
    return found


def recipients(alert):
    """Active people who can see ``alert``: a role granting its kind's action (among its roles)
    on an area above it; superusers for alerts with no area (jobs)."""
    from django.contrib.auth import get_user_model

    from .registry import alert_kinds

    User = get_user_model()
    kind = alert_kinds().get(alert.kind)
    if kind is None or not alert.area_path:
        return list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))
    prefixes = [alert.area_path[:i] for i in range(1, len(alert.area_path) + 1)]
    users = (User.objects.filter(is_active=True, role_assignments__area__path__in=prefixes).distinct().order_by("pk"))
    return [user for user in users if any(alert.area_path.startswith(p) for p in user.scope_paths(kind.action, kind.roles))]


def schedule_notification(alert) -> None:
    """After the alert is committed, send it (through the queue when there is one)."""
    if not getattr(settings, "FRONTLINE_NOTIFY_BACKENDS", ()):
        return
    transaction.on_commit(lambda: _enqueue(alert.pk))


def _enqueue(alert_id: int) -> None:
    from .tasks import enqueue_notification

    enqueue_notification(alert_id)


def send_notifications(alert_id: int) -> int:
    """Send one alert to everyone who should have it and has not yet; how many were sent."""
    from .models import Alert, AlertNotification

    alert = Alert.objects.filter(pk=alert_id, resolved_at__isnull=True).first()
    if alert is None:
        return 0
    sent = 0
    for backend in backends():
        for user in recipients(alert):
            try:
                with transaction.atomic():
                    claim = AlertNotification.objects.create(alert=alert, user=user, channel=backend.channel)
            except IntegrityError:
                continue  # already sent (or being sent) by another run
            with translation.override(getattr(user, "language", None) or settings.LANGUAGE_CODE):
                subject = f"[{alert.kind_label()}] {alert.text()}"[:150]
                body = f"{alert.text()}\n\n{_inbox_url()}"
            try:
                backend.send(user, subject, body)
            except Exception as exc:  # noqa: BLE001 - a transport failure is recorded, not raised
                log.warning("notification %s to user %s failed: %s", alert.pk, user.pk, type(exc).__name__)
                AlertNotification.objects.filter(pk=claim.pk).update(error=f"{type(exc).__name__}: {exc}"[:300])
                continue
            AlertNotification.objects.filter(pk=claim.pk).update(sent_at=timezone.now())
            sent += 1
    return sent


def _inbox_url() -> str:
    base = getattr(settings, "FRONTLINE_BASE_URL", "").rstrip("/")
    return f"{base}/me/work/"
