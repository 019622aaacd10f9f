"""Writes to accounts that the API and pages share: device tokens, passwords, deactivation."""

import contextlib
import contextvars

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.access import require_actor, system_actor
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can

from .models import DeviceToken, User


def may_manage(actor: User, target: User) -> bool:
    """Whether ``actor`` manages ``target``: every role ``target`` holds lies inside an area where
    ``actor`` holds ``manage``. Superusers are managed only by superusers; anyone manages themself."""
    if actor.pk == target.pk or actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    paths = list(target.role_assignments.values_list("area__path", flat=True))
    return bool(paths) and all(user_can(actor, "manage", p) for p in paths)


def sees_user(actor: User, target: User) -> bool:
    """Whether ``target`` is within ``actor``'s view at all (else the API answers 404, not 403)."""
    if actor.pk == target.pk or actor.is_superuser:
        return True
    paths = target.role_assignments.values_list("area__path", flat=True)
    return any(user_can(actor, "view", p) for p in paths)


def _audit(token: DeviceToken, action, actor, changes, source):
    audit.record(token, action, actor=actor, source=source, area_path="", changes=changes)


@transaction.atomic
def issue_token(user: User, name: str, *, actor: User, source="web", by_device=False) -> tuple[DeviceToken, str]:
    """A new device token for ``user``; the plaintext key is returned once and never stored.

    ``by_device``: the request was authenticated by a device token. A device never mints tokens:
    a stolen phone could otherwise make itself keys that outlive the revocation of its own.
    """
    if by_device:
        raise PermissionDenied(_("A device token cannot issue tokens. Sign in with your password to add a device."))
    require_actor(actor)
    if not may_manage(actor, user):
        raise PermissionDenied(_("You may not manage this user's devices."))
    token, key = DeviceToken.issue(user, name.strip())
    _audit(token, AuditEntry.Action.CREATE, actor, {"user": [None, user.username], "name": [None, token.name],
                                                    "prefix": [None, token.prefix]}, source)
    return token, key


@transaction.atomic
def revoke_token(token: DeviceToken, *, actor: User, source="web") -> DeviceToken:
    """Revoke ``token`` at once; requests presenting it answer 401 from now on. Revoking twice is harmless."""
    require_actor(actor)
    if not may_manage(actor, token.user):
        raise PermissionDenied(_("You may not manage this user's devices."))
    token = DeviceToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(token, AuditEntry.Action.UPDATE, actor, {"revoked_at": [None, str(token.revoked_at)]}, source)
    return token


# --- passwords and deactivation revoke device tokens ---------------------------------------------

# Who is saving a user, for the change log of the tokens that ``User.save`` revokes: set by the
# services, the password page and the admin around the save; anything else is recorded as
# ``system:accounts``.
_acting = contextvars.ContextVar("frontline_accounts_acting", default=None)


@contextlib.contextmanager
def acting(actor, source: str):
    token = _acting.set((actor, source))
    try:
        yield
    finally:
        _acting.reset(token)


def revoke_tokens_on_credentials(user: User, reason: str) -> int:
    """Revoke every active device token of ``user`` (called by ``User.save`` after a new password
    or a deactivation), one change-log row each. The number revoked."""
    actor, source = _acting.get() or (system_actor("accounts"), "system")
    return revoke_all_tokens(user, actor=actor, source=source, reason=reason, checked=True)


@transaction.atomic
def revoke_all_tokens(user: User, *, actor, source="web", reason="", checked=False) -> int:
    """Revoke every active device token of ``user`` at once. The number revoked."""
    require_actor(actor)
    if not checked and not may_manage(actor, user):
        raise PermissionDenied(_("You may not manage this user's devices."))
    now = timezone.now()
    tokens = list(DeviceToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        audit.record(token, AuditEntry.Action.UPDATE, actor=actor, source=source, area_path="", reason=reason,
                     changes={"revoked_at": [None, str(now)]})
    return len(tokens)


@transaction.atomic
def set_password(user: User, raw_password: str, *, actor, source="web") -> int:
    """Give ``user`` a new password (validated); every device token of theirs is revoked.
    The number of tokens revoked."""
    from django.contrib.auth import password_validation

    require_actor(actor)
    if not may_manage(actor, user):
        raise PermissionDenied(_("You may not manage this user."))
    password_validation.validate_password(raw_password, user)
    before = DeviceToken.objects.filter(user=user, revoked_at__isnull=True).count()
    with acting(actor, source):
        user.set_password(raw_password)
        user.save()
    audit.record(user, AuditEntry.Action.UPDATE, actor=actor, source=source, area_path="",
                 changes={"password": ["…", "…"]}, reason="password changed")
    return before


@transaction.atomic
def deactivate_user(user: User, *, actor, source="web", reason="") -> int:
    """Deactivate ``user``: no sign-in, and every device token revoked. The number revoked."""
    require_actor(actor)
    if getattr(actor, "pk", None) == user.pk or not may_manage(actor, user):
        raise PermissionDenied(_("You may not deactivate this user."))
    before = DeviceToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if user.is_active:
        with acting(actor, source):
            user.is_active = False
            user.save(update_fields=["is_active"])
        audit.record(user, AuditEntry.Action.UPDATE, actor=actor, source=source, area_path="",
                     changes={"is_active": [True, False]}, reason=reason or "account deactivated")
    return before
