"""The change log of one record, made readable for its page (labels, choice names, redactions)."""

from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import REDACTED, REDACTED_IN_HISTORY, history
from .models import AuditEntry


@dataclass
class Change:
    label: str
    old: str
    new: str
    redacted: bool = False


@dataclass
class HistoryRow:
    entry: AuditEntry
    changes: list[Change] = field(default_factory=list)
    revealed: str = ""
    actor: str = ""  # the person's name (display name), not the login name


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(model, name) -> str:
    # A model names what its verbose names do not say out of context (``history_labels``: an
    # area's "parent", the computed values of ``audit_extra``).
    override = getattr(model, "history_labels", {}).get(name)
    if override:
        return str(override)
    f = _field(model, name)
    return str(f.verbose_name) if f is not None and hasattr(f, "verbose_name") else name


def _internal(model, name) -> bool:
    """Derived bookkeeping (an area's materialized path and depth) that means nothing to a reader."""
    f = _field(model, name)
    return f is not None and not f.editable and name not in getattr(model, "personal_fields", ())


def _display(model, name, value, related_cache) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if name == "tag_list" and hasattr(model, "tags"):
        choices = dict(model.tags.rel.related_model._meta.get_field("tag").flatchoices)
        return "、".join(str(choices.get(v, v)) for v in value)
    f = _field(model, name)
    if isinstance(f, models.ForeignKey):
        key = (f.related_model, value)
        if key not in related_cache:
            related = f.related_model._base_manager.filter(pk=value).first()
            related_cache[key] = str(related) if related is not None else f"#{value}"
        return related_cache[key]
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(value)


def _actor_names(ids) -> dict:
    """The people's names (display name, else the login name) of the given user ids, one query."""
    if not ids:
        return {}
    from django.contrib.auth import get_user_model

    return {pk: display or username for pk, display, username in
            get_user_model().objects.filter(pk__in=ids).values_list("pk", "display_name", "username")}


def history_rows(obj, limit: int = 50) -> list[HistoryRow]:
    """The newest ``limit`` audit entries of ``obj``, each with its changes ready to show."""
    model = type(obj)
    cache = {}
    rows = []
    entries = list(history(obj).select_related(None)[:limit])
    names = _actor_names({e.actor_id for e in entries if e.actor_id})
    for entry in entries:
        row = HistoryRow(entry=entry, actor=names.get(entry.actor_id) or entry.actor_name)
        changes = entry.changes or {}
        if entry.action == AuditEntry.Action.REVEAL:
            row.revealed = _label(model, changes.get("field", ""))
        else:
            for name, pair in sorted(changes.items()):
                if not isinstance(pair, list) or len(pair) != 2 or _internal(model, name):
                    continue
                old, new = pair
                if old == REDACTED or new == REDACTED or (name in REDACTED_IN_HISTORY and (old or new)):
                    row.changes.append(Change(_label(model, name), "", "", redacted=True))
                else:
                    old_text, new_text = _display(model, name, old, cache), _display(model, name, new, cache)
                    if entry.action != AuditEntry.Action.UPDATE and "—" == (new_text if old is None else old_text):
                        continue  # an empty field of a created or deleted record says nothing
                    row.changes.append(Change(_label(model, name), old_text, new_text))
        rows.append(row)
    return rows
