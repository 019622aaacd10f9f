"""/api/v1/areas: the area tree, scoped to the caller's roles.

Outside scope is 404; a record the caller can see but whose role does not grant ``change`` or
``delete`` there is 403.
"""


from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from frontline.core.access import require
from frontline.core.apikit import (
    ERRORS,
    MAX_ID,
    BodySchema,
    Conflict,
    HistoryPage,
    IdCursor,
    Limit,
    OptionalId,
    Out,
    PageMeta,
    RecordId,
    conflict_from,
    cursor_param,
    get_visible,
    history_page,
    invalid,
    keyset_page,
    name_text,
    text,
)

from . import services
from .models import Area
from .schemas import AreaRef
from .stats import child_counts, root_areas

PREFIX = "areas"
router = Router(tags=["areas"])

Kind = Area.Kind


class AreaOut(Out):
    id: int
    name: str
    kind: Kind
    kind_label: str
    code: str
    notes: str
    parent_id: int | None
    path: str = Field(description="Materialized path: ten digits a level; a subtree shares the prefix.")
    depth: int


class Counts(Out):
    households: int
    residents: int = Field(description="Residents present (status 'present') in the subtree, within your scope.")
    groups: int = Field(description="Present residents who belong to at least one special group.")


class AreaWithCounts(AreaOut):
    counts: Counts


class AreaDetail(AreaWithCounts):
    ancestors: list[AreaRef] = Field(description="From the top of the tree down to the parent (the breadcrumb).")
    children: int = Field(description="Number of child areas within your scope.")


class AreaPage(PageMeta):
    items: list[AreaOut]


class AreaFilters(Schema):
    kind: Kind | None = Field(None, description="Only areas of this kind.")
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="Only the direct children of this area.")
    top: bool = Field(False, description="Only the top areas of your scope (where your roles are held).")
    q: text(100) | None = Field(None, description="Part of the name.")


class AreaIn(BodySchema):
    name: name_text(100)
    kind: Kind
    parent_id: OptionalId = Field(None, description="Required, except for an administrator creating a top-level area.")
    code: text(40) = ""
    notes: text(2000, multiline=True) = ""


class AreaPatch(BodySchema):
    name: name_text(100) | None = None
    code: text(40) | None = None
    notes: text(2000, multiline=True) | None = None
    parent_id: OptionalId = Field(None, description="Move the area (and its subtree) under this area.")


PathCursor = cursor_param(1, path_first=True)


def area_out(area: Area) -> dict:
    return {
        "id": area.pk, "name": area.name, "kind": area.kind, "kind_label": str(area.get_kind_display()),
        "code": area.code, "notes": area.notes, "parent_id": area.parent_id, "path": area.path, "depth": area.depth,
    }


def _with_counts(user, parent, areas) -> list[dict]:
    counts = child_counts(user, parent, areas)
    empty = {"households": 0, "residents": 0, "groups": 0}
    return [{**area_out(a), "counts": counts.get(a.path, empty)} for a in areas]


def area_detail(user, area: Area) -> dict:
    ancestors = [{"id": a.pk, "name": a.name, "kind": a.kind} for a in area.ancestors()]
    data = _with_counts(user, area, [area])[0]
    children = Area.objects.restrict(user).filter(parent=area).count()
    return {**data, "ancestors": ancestors, "children": children}


@router.get("", response={200: AreaPage, **ERRORS}, summary="List areas")
def list_areas(request, filters: Query[AreaFilters], cursor: PathCursor = None, limit: Limit = 50,
               count: bool = False):
    """Areas in your scope, in tree order (by path), a page at a time."""
    areas = Area.objects.restrict(request.user)
    if filters.top:
        areas = areas.filter(pk__in=root_areas(request.user).values("pk"))
    if filters.kind:
        areas = areas.filter(kind=filters.kind)
    if filters.parent:
        areas = areas.filter(parent_id=filters.parent)
    if filters.q:
        areas = areas.filter(Q(name__icontains=filters.q.strip()) | Q(code=filters.q.strip()))
    page = keyset_page(request, areas, keys=["path"], cursor=cursor, limit=limit, count=count)
    return {**page, "items": [area_out(a) for a in page.pop("rows")]}


@router.get("/{id}", response={200: AreaDetail, **ERRORS}, summary="One area")
def get_area(request, id: RecordId):
    """The area with its ancestors (breadcrumb) and counts of households, residents and special groups below it."""
    area = get_visible(Area.objects, request.user, pk=id)
    return area_detail(request.user, area)


@router.get("/{id}/children", response={200: list[AreaWithCounts], **ERRORS}, summary="Children of an area")
def get_children(request, id: RecordId):
    """The child areas within your scope, each with its counts."""
    area = get_visible(Area.objects, request.user, pk=id)
    children = list(Area.objects.restrict(request.user).filter(parent=area).order_by("path"))
    return _with_counts(request.user, area, children)


@router.get("/{id}/history", response={200: HistoryPage, **ERRORS}, summary="Change log of an area")
def get_history(request, id: RecordId, cursor: IdCursor = None, limit: Limit = 50):
    area = get_visible(Area.objects, request.user, pk=id)
    return history_page(request, area, cursor=cursor, limit=limit)


@router.post("", response={201: AreaDetail, **ERRORS}, summary="Create an area")
def create_area(request, payload: AreaIn):
    """Needs the ``change`` action on the parent. Only an administrator creates a top-level area."""
    parent = None
    if payload.parent_id is not None:
        parent = get_visible(Area.objects, request.user, pk=payload.parent_id)
        require(request.user, "change", parent.path)
    area = services.create_area(
        name=payload.name, kind=payload.kind, parent=parent, code=payload.code, notes=payload.notes,
        actor=request.user, source="api",
    )
    return Status(201, area_detail(request.user, area))


@router.patch("/{id}", response={200: AreaDetail, **ERRORS}, summary="Change an area")
def update_area(request, id: RecordId, payload: AreaPatch):
    """Rename, recode, annotate or move an area. Needs ``change`` on the area (and on the new parent to move it)."""
    area = get_visible(Area.objects, request.user, pk=id)
    require(request.user, "change", area.path)
    fields = payload.dict(exclude_unset=True, exclude={"parent_id"})
    fields = {k: v for k, v in fields.items() if v is not None}
    if fields:
        area = services.update_area(area, actor=request.user, source="api", **fields)
    if payload.parent_id is not None and payload.parent_id != area.parent_id:
        new_parent = get_visible(Area.objects, request.user, pk=payload.parent_id)
        require(request.user, "change", new_parent.path)
        if new_parent.level >= area.level:
            raise invalid("parent_id", _("A %(kind)s cannot lie inside a %(parent)s.") % {
                "kind": area.get_kind_display(), "parent": new_parent.get_kind_display()}, "kind")
        if Area.objects.filter(parent=new_parent, name=area.name).exists():
            raise Conflict(_("%(parent)s already holds an area named %(name)s.") % {"parent": new_parent.name, "name": area.name})
        area = services.move_area(area, new_parent, actor=request.user, source="api")
    return area_detail(request.user, area)


@router.delete("/{id}", response={204: None, **ERRORS}, summary="Delete an area")
def delete_area(request, id: RecordId):
    """Needs ``delete`` on the area. An area that still holds areas or households answers 409."""
    area = get_visible(Area.objects, request.user, pk=id)
    require(request.user, "delete", area.path)
    try:
        services.delete_area(area, actor=request.user, source="api")
    except ValidationError as exc:
        raise conflict_from(exc) from None
    return Status(204, None)
