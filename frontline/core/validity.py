"""The revocable validity window: a permission that holds from one moment until another unless
someone revokes it, with who and why (a gate exemption, a paper pass; later apps' links and
permits). One abstract model, one queryset method, one revoke service."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import audit
from .access import require
from .models import AuditEntry
from .scoping import ScopedQuerySet


class ValidityWindowQuerySet(ScopedQuerySet):
    def valid_at(self, at):
        return self.filter(revoked_at__isnull=True, valid_from__lte=at, valid_until__gt=at)


class ValidityWindow(models.Model):
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoke_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        abstract = True

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The end must come after the start.")})

    def state(self, at) -> str:
        """revoked, not_yet_valid, expired or valid at ``at``."""
        if self.revoked_at is not None:
            return "revoked"
        if at < self.valid_from:
            return "not_yet_valid"
        if at >= self.valid_until:
            return "expired"
        return "valid"


def required_reason(reason, field="reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("A reason is required.")})
    return reason[:300]


@transaction.atomic
def revoke(record: ValidityWindow, *, reason, actor, source="web") -> ValidityWindow:
    """End ``record``'s window now, with the reason; a second revoke is refused, not repeated.
    The row is locked first, so two people revoking at once record one revocation."""
    require(actor, "change", record)
    reason = required_reason(reason)
    locked = type(record).objects.select_for_update().get(pk=record.pk)
    if locked.revoked_at:
        raise ValidationError(_("Already revoked."))
    before = audit.snapshot(locked)
    locked.revoked_at, locked.revoked_by, locked.revoke_reason = timezone.now(), actor if getattr(actor, "pk", None) else None, reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit.record(locked, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    record.revoked_at, record.revoked_by, record.revoke_reason = locked.revoked_at, locked.revoked_by, locked.revoke_reason
    return record
