"""Writes to the area tree."""

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontline.core import audit
from frontline.core.access import require, require_actor
from frontline.core.scoping import path_q

from .models import PATH_CHUNK, Area


# Tables that copy the path of a record's area so that a filter inside a subtree is one index
# range on their own rows: every app declares them (FrontlineApp.copied_paths), and a move
# rewrites them with the areas' paths.
def path_copies() -> list[tuple[str, str]]:
    from frontline.core.registry import copied_paths

    return [(copy.model, copy.field) for copy in copied_paths()]


def _chunk(pk: int) -> str:
    return str(pk).zfill(PATH_CHUNK)


NOT_YOURS = gettext_lazy("You may not change this area.")


@transaction.atomic
def create_area(*, name, kind, parent=None, code="", notes="", actor, source="web", log=True) -> Area:
    if parent is None:
        require_actor(actor)
        if not actor.is_superuser:
            raise PermissionDenied(_("Only an administrator creates a top-level area."))
    else:
        require(actor, "change", parent.path, NOT_YOURS)
    area = Area(name=name.strip(), kind=kind, parent=parent, code=code, notes=notes, path="pending")
    area.full_clean(exclude=["path"])
    area.path = f"tmp-{id(area)}"
    area.save()
    area.path = (parent.path if parent else "") + _chunk(area.pk)
    area.depth = len(area.path) // PATH_CHUNK - 1
    area.save(update_fields=["path", "depth"])
    if log:
        audit.record(area, audit.AuditEntry.Action.CREATE, actor=actor, source=source)
    return area


@transaction.atomic
def update_area(area: Area, *, actor, source="web", **fields) -> Area:
    require(actor, "change", area.path, NOT_YOURS)
    before = audit.snapshot(area)
    for key in ("name", "code", "notes"):
        if key in fields:
            setattr(area, key, fields[key])
    area.full_clean(exclude=["path"])
    area.save()
    audit.record(area, audit.AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return area


@transaction.atomic
def move_area(area: Area, new_parent: Area, *, actor, source="web") -> Area:
    require(actor, "change", area.path, NOT_YOURS)
    require(actor, "change", new_parent.path, NOT_YOURS)
    if new_parent.path.startswith(area.path):
        raise ValidationError(_("An area cannot move inside itself."))
    if Area.LEVELS.index(area.kind) <= Area.LEVELS.index(new_parent.kind):
        raise ValidationError(_("A %(kind)s cannot lie inside a %(parent)s.") % {
            "kind": area.get_kind_display(), "parent": new_parent.get_kind_display()})
    if new_parent.children.filter(name=area.name).exclude(pk=area.pk).exists():
        raise ValidationError(_("%(parent)s already has an area named %(name)s.") % {"parent": new_parent.name, "name": area.name})
    before = audit.snapshot(area)
    old = area.path
    new = new_parent.path + _chunk(area.pk)
    Area.objects.subtree(area).update(
        path=Concat(Value(new), Substr("path", len(old) + 1)),
        depth=F("depth") + (len(new) - len(old)) // PATH_CHUNK,
    )
    for label, column in path_copies():
        apps.get_model(label).objects.filter(path_q(column, old)).update(
            **{column: Concat(Value(new), Substr(column, len(old) + 1))})
    Area.objects.filter(pk=area.pk).update(parent=new_parent)
    area.refresh_from_db()
    audit.record(area, audit.AuditEntry.Action.UPDATE, actor=actor, before=before, source=source)
    return area


@transaction.atomic
def delete_area(area: Area, *, actor, source="web") -> None:
    require(actor, "delete", area.path, NOT_YOURS)
    if area.children.exists() or area.households.exists():
        raise ValidationError(_("This area still holds areas or households; move or delete them first."))
    audit.record(area, audit.AuditEntry.Action.DELETE, actor=actor, source=source)
    area.delete()
