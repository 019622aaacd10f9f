from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .querysets import AlertQuerySet
from .scoping import ScopedQuerySet


class AuditEntry(models.Model):
    """One change (create / update / delete / import) or one reveal of personal data.

    Personal fields are redacted in ``changes``: the log says that an ID number changed, never
    what it was. ``area_path`` scopes the entry like the record it belongs to.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        REVEAL = "reveal", _("revealed personal data")
        LOOKUP = "lookup", _("looked up outside the user's areas")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    source = models.CharField(max_length=20, blank=True, help_text="web, api, import, admin, cli")
    action = models.CharField(max_length=10, choices=Action.choices)
    model = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200, blank=True)
    area_path = models.CharField(max_length=120, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    scope_path = "area_path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.model} {self.object_id}"


class Alert(models.Model):
    """One item of the inbox (DESIGN.md §9): something that waits on the people responsible for
    an area. Every app raises its kinds through ``core.alerts.raise_alert``; "my work", the
    dashboard and the apps' own pages read ``Alert.objects.restrict(user)``.

    ``kind`` is an ``AlertKind.code`` an app declares; the kind says which action (and roles) a
    user needs on ``area_path`` to see it. ``message`` is an English msgid, translated and
    formatted with ``params`` when read, in the reader's language. ``target`` points to the record
    the alert is about (it may be gone: "record removed"). ``key`` deduplicates: one open alert
    per key, so a rerun task does not raise twice.
    """

    class Severity(models.TextChoices):
        INFO = "info", _("info")
        WARNING = "warning", _("warning")
        URGENT = "urgent", _("urgent")
        EMERGENCY = "emergency", _("emergency")

    RANKS = {"info": 0, "warning": 1, "urgent": 2, "emergency": 3}

    kind = models.CharField(_("kind"), max_length=60)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING)
    # Sorts "most urgent first" with the index (a CharField of names would sort alphabetically).
    rank = models.PositiveSmallIntegerField(default=1, editable=False)
    key = models.CharField(max_length=200)
    area_path = models.CharField(max_length=120, editable=False)
    target_type = models.ForeignKey("contenttypes.ContentType", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    target_id = models.CharField(max_length=40, blank=True)
    message = models.CharField(_("message"), max_length=300)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    due = models.DateTimeField(_("due"), null=True, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_alerts", verbose_name=_("assignee"))
    raised_by = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_by_name = models.CharField(max_length=150, blank=True)
    resolution = models.CharField(_("reason"), max_length=300, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    scope_path = "area_path"
    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-rank", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=Q(resolved_at__isnull=True), name="alert_key_open_once"),
            models.CheckConstraint(condition=Q(severity__in=["info", "warning", "urgent", "emergency"]),
                                   name="alert_severity_known"),
        ]
        indexes = [
            # The inbox (my work): open alerts of a subtree (one range on area_path) by kind, with
            # what a page and the counts by kind read (assignee, rank, created, id), so both are
            # answered from the index alone; the page's rows are then read by id (core.work).
            models.Index(fields=["area_path", "kind", "assignee", "rank", "created_at", "id"],
                         condition=Q(resolved_at__isnull=True), name="alert_open_inbox"),
            # The navigation's badge (core.work): unacknowledged open alerts of a subtree, counted
            # from the index alone (assignee included: "unassigned or mine").
            models.Index(fields=["area_path", "kind", "assignee"],
                         condition=Q(resolved_at__isnull=True, acknowledged_at__isnull=True), name="alert_unacked_area"),
            models.Index(fields=["target_type", "target_id"], name="alert_target"),
            models.Index(fields=["kind", "-created_at"], name="alert_kind_created"),
        ]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return f"{self.kind} {self.key}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def text(self) -> str:
        """The message in the active language, formatted with its params."""
        from django.utils.translation import gettext

        translated = gettext(self.message)
        if not self.params:
            return translated
        try:
            return translated % self.params
        except (KeyError, ValueError, TypeError):
            return translated

    def kind_label(self) -> str:
        from .registry import alert_kinds

        kind = alert_kinds().get(self.kind)
        return str(kind.label) if kind else self.kind

    @property
    def target(self):
        """The record the alert points to; None when it has none or it was removed."""
        if self.target_type_id is None or not self.target_id:
            return None
        if "_target" not in self.__dict__:
            model = self.target_type.model_class()
            self.__dict__["_target"] = (model._default_manager.filter(pk=self.target_id).first()
                                        if model is not None else None)
        return self.__dict__["_target"]

    @property
    def target_removed(self) -> bool:
        return self.target_type_id is not None and bool(self.target_id) and self.target is None

    def target_url(self) -> str:
        """Where "open" goes: the kind's ``link``, else the target's own page; "" when neither."""
        from django.urls import NoReverseMatch, reverse

        from .registry import alert_kinds, resolve

        kind = alert_kinds().get(self.kind)
        link = kind.link if kind else ""
        if link and "." in link.partition(":")[0]:
            return resolve(link)(self) or ""
        if link:
            try:
                return reverse(link)
            except NoReverseMatch:
                return ""
        if self.target_removed:
            return ""
        method = getattr(self.target, "get_absolute_url", None)
        return method() if method else ""


class AlertNotification(models.Model):
    """One notification of one alert to one person through one channel: the unique constraint
    is what makes "nobody gets the same notification twice" hold across retries and workers."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=30)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "user", "channel"], name="alert_notified_once")]
        verbose_name = _("alert notification")
        verbose_name_plural = _("alert notifications")

    def __str__(self):
        return f"{self.alert_id} → {self.user_id} ({self.channel})"


class JobRun(models.Model):
    """One run of a background job (core/queue.py): what was asked, by whom, how far it got, how
    it ended. Every web worker reads it (the import's progress bar, the /jobs/ page); the worker
    writes it. ``key`` makes a job idempotent: asking twice with the same key gives the same run,
    and a message delivered twice runs once. ``params`` and ``result`` hold no personal data
    (masked values at most); ``error`` is what the last attempt raised, shown to administrators.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    name = models.CharField(_("job"), max_length=100)
    key = models.CharField(max_length=200, unique=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_name = models.CharField(max_length=150)
    request_id = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=10, blank=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    phase = models.CharField(max_length=30, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    worker = models.CharField(max_length=120, blank=True, help_text="host:pid of the process running it")
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["name", "-created_at"], name="jobrun_name_created"),
                   models.Index(fields=["actor", "-created_at"], name="jobrun_actor_created")]
        constraints = [models.CheckConstraint(condition=Q(state__in=["queued", "running", "done", "failed"]),
                                              name="jobrun_state_known")]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")

    def __str__(self):
        return f"{self.name} {self.key} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0

    def interrupted(self, now=None) -> bool:
        """True when the job was running and its worker is gone: the process is dead (same
        machine) or has given no sign of life for JOB_STALE_SECONDS. Its work rolled back."""
        import os
        import socket

        if self.state != self.State.RUNNING:
            return False
        host, _sep, pid = self.worker.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                pass
        seen = self.heartbeat_at or self.started_at or self.created_at
        stale = getattr(settings, "JOB_STALE_SECONDS", 300)
        return ((now or timezone.now()) - seen).total_seconds() > stale
