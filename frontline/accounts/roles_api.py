"""/api/v1/roles: who holds which role where, in the areas you manage; grant, change, revoke.

A holder of ``manage`` sees the role assignments inside the areas where they hold it, grants
roles there up to their own rank (accounts.roles.ROLE_RANK), and reads the history. An area, a
user or an assignment outside one's view answers 404; within view but not allowed, 403.
"""

import datetime

from django.http import Http404
from ninja import Field, Router, Status

from frontline.areas.models import Area
from frontline.core.apikit import (
    ERRORS,
    NO_NUL,
    BodyId,
    BodySchema,
    IdCursor,
    Limit,
    Out,
    PageMeta,
    RecordId,
    keyset_page,
)
from frontline.core.models import AuditEntry
from frontline.core.scoping import get_scoped_or_404

from . import services
from .models import RoleAssignment, User
from .roles import Role

router = Router(tags=["accounts"])


class RoleUserOut(Out):
    id: int
    username: str
    display_name: str


class RoleAreaRef(Out):
    id: int
    name: str
    kind: str


class AssignmentOut(Out):
    id: int
    user: RoleUserOut
    role: Role
    label: str
    area: RoleAreaRef
    created_at: datetime.datetime


class AssignmentPage(PageMeta):
    items: list[AssignmentOut]


class GrantIn(BodySchema):
    user: BodyId = Field(description="The user's id.")
    role: Role
    area: BodyId = Field(description="The area's id: the role reaches its whole subtree.")
    reason: str = Field("", max_length=300, pattern=NO_NUL)


class ChangeIn(BodySchema):
    role: Role
    reason: str = Field("", max_length=300, pattern=NO_NUL)


class RoleHistoryOut(Out):
    id: int
    at: datetime.datetime
    actor: str
    action: str = Field(description="create (granted), update (changed), delete (revoked).")
    source: str
    assignment: str = Field(description="Who · role · area, as it was.")
    changes: dict
    reason: str


class RoleHistoryPage(PageMeta):
    items: list[RoleHistoryOut]


def assignment_out(a: RoleAssignment) -> dict:
    return {
        "id": a.pk, "user": {"id": a.user.pk, "username": a.user.username, "display_name": a.user.display_name},
        "role": a.role, "label": str(a.get_role_display()),
        "area": {"id": a.area.pk, "name": a.area.name, "kind": a.area.kind}, "created_at": a.created_at,
    }


def managed_assignments(user):
    return RoleAssignment.objects.restrict(user, "manage").select_related("user", "area")


def role_history(user):
    """Grants, changes and revocations inside the areas where ``user`` manages roles."""
    return AuditEntry.objects.restrict(user, "manage").filter(model=RoleAssignment._meta.label_lower)


@router.get("", response={200: AssignmentPage, **ERRORS}, summary="Role assignments in the areas I manage")
def list_roles(request, cursor: IdCursor = None, limit: Limit = 50, user: RecordId | None = None):
    rows = managed_assignments(request.user)
    if user is not None:
        rows = rows.filter(user_id=user)
    page = keyset_page(request, rows, cursor=cursor, limit=limit)
    return {**page, "items": [assignment_out(a) for a in page.pop("rows")]}


@router.post("", response={201: AssignmentOut, **ERRORS}, summary="Grant a role")
def grant(request, payload: GrantIn):
    """Needs ``manage`` on the area, and the role at or below the highest role you hold there."""
    area = get_scoped_or_404(Area.objects.all(), request.user, "view", pk=payload.area)
    target = User.objects.filter(pk=payload.user, is_active=True).first()
    if target is None:
        raise Http404
    assignment = services.grant_role(target, payload.role, area, actor=request.user, source="api",
                                     reason=payload.reason.strip())
    return Status(201, assignment_out(assignment))


@router.get("/history", response={200: RoleHistoryPage, **ERRORS}, summary="History of role assignments")
def history(request, cursor: IdCursor = None, limit: Limit = 50):
    page = keyset_page(request, role_history(request.user), cursor=cursor, limit=limit, descending=True)
    return {**page, "items": [
        {"id": e.pk, "at": e.at, "actor": e.actor_name, "action": e.action, "source": e.source,
         "assignment": e.object_repr, "changes": e.changes or {}, "reason": e.reason}
        for e in page.pop("rows")]}


@router.patch("/{assignment_id}", response={200: AssignmentOut, **ERRORS}, summary="Change a role")
def change(request, assignment_id: RecordId, payload: ChangeIn):
    assignment = get_scoped_or_404(RoleAssignment.objects.select_related("user", "area"), request.user, "view",
                                   pk=assignment_id)
    assignment = services.change_role(assignment, payload.role, actor=request.user, source="api",
                                      reason=payload.reason.strip())
    return assignment_out(assignment)


@router.delete("/{assignment_id}", response={204: None, **ERRORS}, summary="Revoke a role")
def revoke(request, assignment_id: RecordId):
    assignment = get_scoped_or_404(RoleAssignment.objects.all(), request.user, "view", pk=assignment_id)
    services.revoke_role(assignment, actor=request.user, source="api")
    return Status(204, None)
