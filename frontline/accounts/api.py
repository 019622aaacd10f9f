"""/api/v1/me and /api/v1/users/{id}/tokens: who am I, and the device tokens of field phones.

A device token's plaintext is shown once, when it is issued; only its SHA-256 is stored. A
revoked token answers 401 at once. A user manages their own devices; a role with ``manage``
manages the devices of users whose every role lies inside its areas.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from frontline.core.apikit import ERRORS, BodySchema, Out, RecordId, name_text

from . import services
from .models import DeviceToken, User
from .roles import ROLE_ACTIONS, Role, actions_of

PREFIX = "me"
router = Router(tags=["accounts"])
users_router = Router(tags=["accounts"])

ALL_ACTIONS = sorted(set().union(*ROLE_ACTIONS.values()))


class RoleAreaOut(Out):
    id: int
    name: str
    kind: str
    path: str
    full_name: str


class RoleOut(Out):
    role: Role
    label: str
    area: RoleAreaOut
    actions: list[str]


class MeOut(Out):
    id: int
    username: str
    display_name: str
    is_superuser: bool
    roles: list[RoleOut]
    actions: list[str] = Field(description="Every action you hold somewhere (view, change, delete, reveal, …).")
    auth: str = Field(description="How this request was authenticated: token or session.")


class TokenOut(Out):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    active: bool


class IssuedTokenOut(TokenOut):
    key: str = Field(description="The token itself. Shown this once; store it on the device.")


class TokenIn(BodySchema):
    name: name_text(80) = Field(description="Which device, e.g. '3号门 phone'.")


TokenId = RecordId


def token_out(token: DeviceToken) -> dict:
    return {
        "id": token.pk, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
        "last_used_at": token.last_used_at, "revoked_at": token.revoked_at, "active": token.revoked_at is None,
    }


def me_out(request, user: User) -> dict:
    assignments = list(user.role_assignments.select_related("area").order_by("area__path", "role"))
    roles = [
        {
            "role": a.role, "label": str(a.get_role_display()),
            "area": {"id": a.area.pk, "name": a.area.name, "kind": a.area.kind, "path": a.area.path,
                     "full_name": a.area.full_name()},
            "actions": sorted(actions_of(a.role)),
        }
        for a in assignments
    ]
    actions = ALL_ACTIONS if user.is_superuser else sorted({x for a in assignments for x in actions_of(a.role)})
    return {
        "id": user.pk, "username": user.username, "display_name": user.display_name,
        "is_superuser": user.is_superuser, "roles": roles, "actions": actions,
        "auth": "token" if getattr(request, "auth_via_token", False) else "session",
    }


def _managed_user(actor: User, user_id: int) -> User:
    """404 unless ``user_id`` is someone ``actor`` can see; 403 if seen but not managed."""
    target = User.objects.filter(pk=user_id, is_active=True).first()
    if target is None or not services.sees_user(actor, target):
        raise Http404
    if not services.may_manage(actor, target):
        raise PermissionDenied(_("You may not manage this user's devices."))
    return target


def _token_of(user: User, token_id: int) -> DeviceToken:
    token = DeviceToken.objects.select_related("user").filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    return token


def _issue(request, user: User, payload: TokenIn):
    token, key = services.issue_token(user, payload.name, actor=request.user, source="api",
                                      by_device=getattr(request, "auth_via_token", False))
    return Status(201, {**token_out(token), "key": key})


# --- /me ---------------------------------------------------------------------------------------

@router.get("", response={200: MeOut, **ERRORS}, summary="Who am I")
def me(request):
    """Your account, your roles with their areas, and the actions they grant."""
    return me_out(request, request.user)


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="My device tokens")
def my_tokens(request):
    return [token_out(t) for t in request.user.device_tokens.order_by("-created_at", "-id")]


@router.post("/tokens", response={201: IssuedTokenOut, **ERRORS}, summary="Issue a device token for myself")
def issue_my_token(request, payload: TokenIn):
    """The key is in the answer once; only its hash is kept. Needs a password sign-in: a request
    authenticated by a device token is refused (403)."""
    return _issue(request, request.user, payload)


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke one of my device tokens")
def revoke_my_token(request, token_id: TokenId):
    services.revoke_token(_token_of(request.user, token_id), actor=request.user, source="api")
    return Status(204, None)


# --- /users/{id}/tokens -------------------------------------------------------------------------

@users_router.get("/{user_id}/tokens", response={200: list[TokenOut], **ERRORS}, summary="A managed user's device tokens")
def user_tokens(request, user_id: RecordId):
    """Needs ``manage`` over every area where the user holds a role."""
    user = _managed_user(request.user, user_id)
    return [token_out(t) for t in user.device_tokens.order_by("-created_at", "-id")]


@users_router.post("/{user_id}/tokens", response={201: IssuedTokenOut, **ERRORS}, summary="Issue a device token for a managed user")
def issue_user_token(request, user_id: RecordId, payload: TokenIn):
    """Needs ``manage`` over the user's areas and a password sign-in (not a device token)."""
    return _issue(request, _managed_user(request.user, user_id), payload)


@users_router.delete("/{user_id}/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke a managed user's device token")
def revoke_user_token(request, user_id: RecordId, token_id: TokenId):
    user = _managed_user(request.user, user_id)
    services.revoke_token(_token_of(user, token_id), actor=request.user, source="api")
    return Status(204, None)

