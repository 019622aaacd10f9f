import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.areas.models import Area
from frontline.core.lean import cols, column, datetime_param, fields, instance, select, table
from frontline.core.scoping import ScopedQuerySet, minimal_paths

from .roles import Role, actions_of


class User(AbstractUser):
    """A person who logs in: staff of the command post, a field volunteer, or a lab system."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)

    def __str__(self):
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # A new password (``set_password``: the password page, the admin, a reset, the CLI, the
        # services) or a deactivation revokes every device token of the user, whoever saves it:
        # a phone that was signed in must not outlive the credential or the account it came from.
        # (Django re-hashing a password on login clears ``_password`` first: no revocation then.)
        password_changed = self._password is not None
        super().save(*args, **kwargs)
        if self.pk and (password_changed or not self.is_active):
            from .services import revoke_tokens_on_credentials

            revoke_tokens_on_credentials(self, "password changed" if password_changed else "account deactivated")

    def scope_paths(self, action: str, roles=()) -> list[str]:
        """Area paths under which this user may do ``action`` (through one of ``roles``, when
        given: an alert kind meant for building leaders); computed once per instance."""
        cache = self.__dict__.setdefault("_scope_cache", {})
        key = (action, tuple(roles)) if roles else action
        if key not in cache:
            if "_assignments" not in self.__dict__:
                self.__dict__["_assignments"] = list(
                    self.role_assignments.select_related("area").values_list("role", "area__path")
                )
            cache[key] = minimal_paths(p for role, p in self.__dict__["_assignments"]
                                       if action in actions_of(role) and (not roles or role in roles))
        return cache[key]

    def has_action(self, action: str) -> bool:
        return self.is_superuser or bool(self.scope_paths(action))

    def roles(self):
        return sorted({r for r, _p in self.role_assignments.values_list("role", "area__path")})

    def forget_scope(self):
        self.__dict__.pop("_scope_cache", None)
        self.__dict__.pop("_assignments", None)


class RoleAssignment(models.Model):
    """``user`` holds ``role`` on ``area`` and its whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    area = models.ForeignKey("areas.Area", on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("area"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_path = "area__path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role", "area"], name="role_assignment_unique")]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.area}"

    def audit_area_path(self):
        return self.area.path


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class DeviceTokenQuerySet(models.QuerySet):
    def authenticate(self, key: str):
        """The active user behind a presented token, or None; marks the token used (at most
        once a minute).

        Every API request of a field phone comes here, so it is one hand-written query: the
        token, its user and the user's role assignments (the user's scope is filled from it,
        see ``User.scope_paths``). Nothing is cached between requests: a token revoked, a user
        deactivated or a role removed takes effect on the very next request.
        """
        if not key:
            return None
        token_model, user_model = self.model, User
        now = timezone.now()
        user_names = ["id", "username", "display_name", "is_active", "is_superuser", "is_staff"]
        sql = (
            f"SELECT t.{column(token_model, 'id')}, "
            f"CASE WHEN t.{column(token_model, 'last_used_at')} IS NULL OR t.{column(token_model, 'last_used_at')} < %s "
            f"THEN 1 ELSE 0 END, {cols(user_model, user_names, 'u')}, {column(RoleAssignment, 'role', 'ra')}, "
            f"{column(Area, 'path', 'a')} "
            f"FROM {table(token_model)} t JOIN {table(user_model)} u ON u.{column(user_model, 'id')} = t.{column(token_model, 'user')} "
            f"LEFT JOIN {table(RoleAssignment)} ra ON ra.{column(RoleAssignment, 'user')} = u.{column(user_model, 'id')} "
            f"LEFT JOIN {table(Area)} a ON a.{column(Area, 'id')} = ra.{column(RoleAssignment, 'area')} "
            f"WHERE t.{column(token_model, 'digest')} = %s AND t.{column(token_model, 'revoked_at')} IS NULL"
        )
        user_fields = fields(user_model, user_names)
        rows = select(sql, [datetime_param(now - datetime.timedelta(seconds=60)), _digest(key)],
                      [None, None, *user_fields, None, None])
        if not rows:
            return None
        token_id, stale = rows[0][0], rows[0][1]
        user = instance(user_model, user_names, rows[0][2:2 + len(user_names)])
        if not user.is_active:
            return None
        user.__dict__["_assignments"] = [(row[-2], row[-1]) for row in rows if row[-2] is not None]
        if stale:
            self.model.objects.filter(pk=token_id).update(last_used_at=now)
        return user


class DeviceToken(models.Model):
    """A per-device API token (a field phone, a lab system). Only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_tokens")
    name = models.CharField(_("device name"), max_length=80)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = DeviceTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, user, name: str) -> tuple["DeviceToken", str]:
        """Create a token; the plaintext key is returned once and never stored."""
        key = "fl_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], digest=_digest(key))
        return token, key


class ThrottleEntry(models.Model):
    """A row of the login throttle's store (settings.CACHES["throttle"] without Redis): Django's
    database cache reads and writes this table by its columns. It is a model, not a table made by
    ``createcachetable``, so migrations create it and a test database's flush empties it."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "frontline_throttle_cache"
        verbose_name = _("login throttle entry")
        verbose_name_plural = _("login throttle entries")

    def __str__(self):
        return self.cache_key
