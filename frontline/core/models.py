from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
