import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from frontline.core.scoping import ScopedQuerySet, minimal_paths

from .roles import Role, actions_of


class User(AbstractUser):
    """A person who logs in: staff of the command post, a field volunteer, or a lab system."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)

    def __str__(self):
        return self.display_name or self.username

    def scope_paths(self, action: str) -> list[str]:
        """Area paths under which this user may do ``action``; computed once per instance."""
        cache = self.__dict__.setdefault("_scope_cache", {})
        if action not in cache:
            if "_assignments" not in self.__dict__:
                self.__dict__["_assignments"] = list(
                    self.role_assignments.select_related("area").values_list("role", "area__path")
                )
            cache[action] = minimal_paths(p for role, p in self.__dict__["_assignments"] if action in actions_of(role))
        return cache[action]

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
        """The active user behind a presented token, or None; marks the token used."""
        if not key:
            return None
        token = self.select_related("user").filter(digest=_digest(key), revoked_at__isnull=True).first()
        if token is None or not token.user.is_active:
            return None
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user


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
