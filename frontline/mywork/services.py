"""What "my work" does: reads the work sources (``core.work``) for one user, and acts on the
alerts through the inbox's services (``core.alerts``), which check scope again inside their
transaction. Outside the user's scope is 404 (``get_scoped_or_404``), like everywhere."""

from __future__ import annotations

from dataclasses import replace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from frontline.areas.models import Area
from frontline.core import alerts, work
from frontline.core.models import Alert
from frontline.core.scoping import get_scoped_or_404

PAGE_SIZE = 20  # cards on a phone; the API's page is its own `limit`
FILTER_AREA_KINDS = ("district", "street", "community", "compound", "building")


def visible_area(user, area_id) -> Area:
    """The area the list is narrowed to; 404 when the user may not see it."""
    return get_scoped_or_404(Area.objects.all(), user, pk=area_id)


def filter_areas(user, limit=300) -> list[Area]:
    return list(Area.objects.restrict(user).filter(kind__in=FILTER_AREA_KINDS).order_by("path")[:limit])


def inbox(user, *, kinds=None, area: Area | None = None, cursor=None, limit=PAGE_SIZE) -> dict:
    """A page of the user's work, with counts by kind (in the same area), the badge and the
    next cursor. Items carry the name of their area."""
    path = area.path if area is not None else None
    items, next_cursor = work.page(user, kinds=kinds, area_path=path, cursor=cursor, limit=limit)
    names = dict(Area.objects.filter(path__in={item.area_path for item in items}).values_list("path", "name"))
    items = [replace(item, area_name=names.get(item.area_path, "")) for item in items]
    labels = work.kinds()
    counts = work.counts(user, area_path=path)
    return {
        "items": items, "next_cursor": next_cursor,
        "counts": [{"kind": kind, "label": labels.get(kind, kind), "count": n}
                   for kind, n in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))],
        "total": sum(counts.values()),
    }


def item_of(alert: Alert):
    """One alert as the inbox shows it (with its area's name)."""
    item = work.alert_item(alert)
    name = Area.objects.filter(path=item.area_path).values_list("name", flat=True).first() or ""
    return replace(item, area_name=name)


def visible_alert(user, alert_id) -> Alert:
    return get_scoped_or_404(Alert.objects.for_person(user), user, pk=alert_id)


def acknowledge(alert: Alert, *, actor) -> Alert:
    if alert.resolved_at is not None:
        raise ValidationError(_("This alert was already resolved."), code="conflict")
    return alerts.acknowledge_alert(alert, actor=actor)


def resolve(alert: Alert, *, actor, reason: str) -> Alert:
    return alerts.resolve_alert(alert, actor=actor, reason=reason)
