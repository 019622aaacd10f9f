"""Writes to accounts that the API and pages share: device tokens, passwords, deactivation, and
role assignments (who holds which role on which area, granted by whom, in the change log)."""

import contextlib
import contextvars

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from frontline.core import audit
from frontline.core.access import can, is_system, require_actor, system_actor
from frontline.core.models import AuditEntry
from frontline.core.scoping import user_can

from .models import DeviceToken, RoleAssignment, User
from .roles import ROLE_RANK, Role, actions_of, rank_of


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


# --- role assignments ----------------------------------------------------------------------------

def _label(role) -> str:
    return str(dict(Role.choices).get(str(role), role))


def grantable_rank(actor, area) -> int:
    """The highest role rank ``actor`` may grant, change or revoke on ``area``: the highest rank of
    the roles they hold with ``manage`` on ``area`` or above it (0: none). Administrators and
    system actors: every role."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return max(ROLE_RANK.values())
    held = actor.role_assignments.select_related("area").values_list("role", "area__path")
    return max((rank_of(role) for role, path in held
                if "manage" in actions_of(role) and area.path.startswith(path)), default=0)


def grantable_roles(actor, area) -> list[str]:
    top = grantable_rank(actor, area)
    return [r for r in Role.values if rank_of(r) <= top] if top else []


def _check_grant(actor, area, roles, user) -> None:
    """Refuse unless ``actor`` holds ``manage`` on ``area`` and every role in ``roles`` ranks at
    or below theirs there; nobody changes their own roles."""
    require_actor(actor)
    if not can(actor, "manage", area.path):
        raise PermissionDenied(_("You may not manage roles in %(area)s.") % {"area": area.name})
    if user is not None and getattr(actor, "pk", None) == user.pk and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("You cannot change your own roles; ask someone who manages your area."))
    if user is not None and user.is_superuser and not getattr(actor, "is_superuser", False):
        raise PermissionDenied(_("Only an administrator changes an administrator's roles."))
    top = grantable_rank(actor, area)
    for role in roles:
        if rank_of(role) > top:
            raise PermissionDenied(
                _("You may grant roles only up to your own in %(area)s; %(role)s is above it.")
                % {"area": area.name, "role": _label(role)})


def _forget(user) -> None:
    if hasattr(user, "forget_scope"):
        user.forget_scope()


@transaction.atomic
def grant_role(user: User, role: str, area, *, actor, source="web", reason="") -> RoleAssignment:
    """``user`` holds ``role`` on ``area`` (and its subtree) from now on; in the change log."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    if not user.is_active:
        raise ValidationError({"user": _("This account is deactivated.")})
    _check_grant(actor, area, [role], user)
    if RoleAssignment.objects.filter(user=user, role=role, area=area).exists():
        raise ValidationError(_("%(user)s already holds %(role)s in %(area)s.")
                              % {"user": user, "role": _label(role), "area": area.name})
    assignment = RoleAssignment.objects.create(user=user, role=role, area=area)
    audit.record(assignment, AuditEntry.Action.CREATE, actor=actor, source=source, reason=reason)
    _forget(user)
    return assignment


@transaction.atomic
def change_role(assignment: RoleAssignment, role: str, *, actor, source="web", reason="") -> RoleAssignment:
    """The same person and area, another role; both the old and the new role must be grantable."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s") % {"role": role}})
    assignment = RoleAssignment.objects.select_for_update().select_related("user", "area").get(pk=assignment.pk)
    _check_grant(actor, assignment.area, [assignment.role, role], assignment.user)
    if role == assignment.role:
        return assignment
    if RoleAssignment.objects.filter(user=assignment.user, role=role, area=assignment.area).exists():
        raise ValidationError(_("%(user)s already holds %(role)s in %(area)s.")
                              % {"user": assignment.user, "role": _label(role), "area": assignment.area.name})
    before = audit.snapshot(assignment)
    assignment.role = role
    assignment.save(update_fields=["role"])
    audit.record(assignment, AuditEntry.Action.UPDATE, actor=actor, before=before, source=source, reason=reason)
    _forget(assignment.user)
    return assignment


@transaction.atomic
def revoke_role(assignment: RoleAssignment, *, actor, source="web", reason="") -> None:
    """``assignment`` ends now; its row in the change log keeps who held what, where, until when."""
    assignment = RoleAssignment.objects.select_for_update().select_related("user", "area").get(pk=assignment.pk)
    _check_grant(actor, assignment.area, [assignment.role], assignment.user)
    audit.record(assignment, AuditEntry.Action.DELETE, actor=actor, source=source, reason=reason)
    assignment.delete()
    _forget(assignment.user)
