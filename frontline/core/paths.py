"""Copied area paths: the one place that keeps them true (DESIGN.md §5, issue 8 hole 5).

Many tables copy the path of the area a record belongs to, so that a scoped list is one index
range on their own rows. Each app declares its copies on its AppConfig (``CopiedPath``); this
module rewrites them:

- ``rewrite_moved_subtree(old, new)``: an area (and everything under it) moved in the tree; every
  copy inside the old subtree gets the new prefix, one bulk UPDATE per table.
- ``refresh_copies(model, ids)``: records of ``model`` (a household, a resident) now belong to
  another area; every copy whose ``source`` passes through ``model`` is computed again from it.

Moving an area, a household or a resident (services, admin, import) calls these; nothing else
rewrites a copied path. A test fails when a model with an ``area_path`` column is not declared.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr

from .registry import CopiedPath, copied_paths
from .scoping import path_q


def _model(copy: CopiedPath):
    return apps.get_model(copy.model)


def rewrite_moved_subtree(old: str, new: str) -> dict[str, int]:
    """Give every copy inside the subtree ``old`` the prefix ``new`` instead. {model: rows}."""
    if not old or old == new:
        return {}
    done = {}
    for copy in copied_paths():
        column = copy.field
        done[copy.model] = _model(copy).objects.filter(path_q(column, old)).update(
            **{column: Concat(Value(new), Substr(column, len(old) + 1))})
    return done


def _lookup_through(copy: CopiedPath, source: str, target) -> str | None:
    """The ORM path, from ``copy``'s model, to ``target`` (a model class) along ``source``
    ("resident__household__area__path" reaches Household at "resident__household")."""
    model = _model(copy)
    parts = source.split("__")
    for i, name in enumerate(parts[:-1]):
        field = model._meta.get_field(name)
        model = field.related_model
        if model is None:
            return None
        if model is target:
            return "__".join(parts[: i + 1])
    return None


def _recomputed(copy: CopiedPath, model):
    """The expression of the path ``copy`` derives, tried source by source, else kept as is."""
    sources = [Subquery(model.objects.filter(pk=OuterRef("pk")).values(source)[:1]) for source in copy.sources]
    return Coalesce(*sources, F(copy.field))


def refresh_copies(target, ids) -> dict[str, int]:
    """Records of model ``target`` with ``ids`` (a household that changed area, residents that
    changed household) moved: compute again every copy that derives its path through them.
    {model: rows rewritten}."""
    ids = list(ids.values_list("pk", flat=True)) if hasattr(ids, "values_list") else list(ids)
    if not ids:
        return {}
    done = {}
    for copy in copied_paths():
        lookups = {_lookup_through(copy, source, target) for source in copy.sources} - {None}
        if not lookups:
            continue
        model = _model(copy)
        rows = model.objects.none()
        for lookup in sorted(lookups):
            rows = rows | model.objects.filter(**{f"{lookup}__in": ids})
        done[copy.model] = model.objects.filter(pk__in=rows.values("pk")).update(**{copy.field: _recomputed(copy, model)})
    return done
