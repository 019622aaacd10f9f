"""Work items: what waits on a person ("my work", 我的待办), gathered from every app's sources.

An app lists its sources on its AppConfig (``FrontlineApp.work_sources = ("module:attribute",)``).
A source is either

- a plain function ``function(user) -> list[WorkItem]`` (a few items: overdue check-ins, a shift
  starting in an hour), filtered, counted and ordered here; or
- a ``WorkSource`` object, for a source that can hold many items (the alert inbox): it filters,
  orders and pages in the database and counts with one query.

Items are ordered most urgent first, then newest first (``WorkItem.sort_key``, descending); a
page is cut by a keyset cursor over that order, so merging sources never needs an OFFSET. The
badge in the navigation is the sum of each source's ``badge(user)`` (one indexed query for the
alerts). Core names no app here: the alerts are core's own source.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from django.db.models import Q
from django.utils import timezone

from .models import Alert

RANKS = Alert.RANKS
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
CURSOR_PATTERN = r"^[0-9]{1,2}\.[0-9]{1,20}\.[a-z_]{1,30}\.[0-9]{1,18}$"


def _micros(moment: datetime.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _moment(micros: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=micros)


@dataclass(frozen=True)
class WorkItem:
    """One thing that waits on someone. ``source`` and ``ref`` name it (``"alert"``, 42);
    ``url`` opens its record ("" when there is none, or ``removed`` when it was deleted)."""

    source: str
    ref: int
    kind: str
    label: str
    text: str
    severity: str
    area_path: str
    created_at: datetime.datetime
    url: str = ""
    due: datetime.datetime | None = None
    removed: bool = False
    acknowledged: bool = False
    actions: tuple[str, ...] = field(default=())  # "ack", "resolve": what the inbox may do with it
    area_name: str = ""

    @property
    def rank(self) -> int:
        return RANKS.get(self.severity, 1)

    @property
    def severity_label(self) -> str:
        try:
            return str(Alert.Severity(self.severity).label)
        except ValueError:
            return self.severity

    @property
    def sort_key(self) -> tuple:
        return (self.rank, _micros(self.created_at), self.source, self.ref)

    @property
    def cursor(self) -> str:
        return ".".join(str(part) for part in self.sort_key)

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.now()


def parse_cursor(cursor: str | None) -> tuple | None:
    if not cursor:
        return None
    if not re.match(CURSOR_PATTERN, cursor):
        raise ValueError("bad cursor")
    rank, micros, source, ref = cursor.split(".")
    return (int(rank), int(micros), source, int(ref))


class WorkSource:
    """A source that pages in its own storage. ``code`` sorts sources among equal items."""

    code = "source"

    def kinds(self) -> dict[str, str]:
        """{kind code: label} of the items it may give (for the filter)."""
        return {}

    def items(self, user, *, kinds=None, area_path=None, before=None, limit=50) -> list[WorkItem]:
        """At most ``limit`` items, in ``sort_key`` order descending, strictly after ``before``."""
        raise NotImplementedError

    def counts(self, user, *, area_path=None) -> dict[str, int]:
        raise NotImplementedError

    def badge(self, user) -> int:
        """How many items still need someone's first look (what the navigation shows)."""
        return sum(self.counts(user).values())


class FunctionSource(WorkSource):
    """A plain ``function(user) -> list[WorkItem]`` as a source."""

    def __init__(self, function, code: str):
        self.function = function
        self.code = code

    def _all(self, user, kinds=None, area_path=None):
        found = list(self.function(user) or ())
        if kinds:
            found = [item for item in found if item.kind in kinds]
        if area_path:
            found = [item for item in found if item.area_path.startswith(area_path)]
        return found

    def items(self, user, *, kinds=None, area_path=None, before=None, limit=50):
        found = sorted(self._all(user, kinds, area_path), key=lambda item: item.sort_key, reverse=True)
        if before is not None:
            found = [item for item in found if item.sort_key < before]
        return found[:limit]

    def counts(self, user, *, area_path=None):
        return dict(Counter(item.kind for item in self._all(user, area_path=area_path)))

    def badge(self, user):
        return sum(1 for item in self._all(user) if not item.acknowledged)


class AlertSource(WorkSource):
    """The alert inbox (``core.models.Alert``): open alerts the user may see (their areas, the
    roles each kind names), unassigned or assigned to them."""

    code = "alert"

    def queryset(self, user):
        return Alert.objects.restrict(user).open().for_person(user)

    def kinds(self):
        from .registry import alert_kinds

        return {code: str(kind.label) for code, kind in alert_kinds().items()}

    def _filtered(self, user, kinds=None, area_path=None):
        alerts = self.queryset(user)
        if kinds:
            alerts = alerts.filter(kind__in=sorted(kinds))
        if area_path:
            alerts = alerts.within(area_path)
        return alerts

    def items(self, user, *, kinds=None, area_path=None, before=None, limit=50):
        alerts = self._filtered(user, kinds, area_path)
        if before is not None:
            rank, micros, source, ref = before
            moment = _moment(micros)
            after = Q(rank__lt=rank) | Q(rank=rank, created_at__lt=moment)
            if self.code < source:
                after |= Q(rank=rank, created_at=moment)
            elif self.code == source:
                after |= Q(rank=rank, created_at=moment, id__lt=ref)
            alerts = alerts.filter(Q(rank__lte=rank) & after)
        # Ids first, from the inbox index alone (alert_open_inbox), then those rows: the sort
        # never reads the table for alerts that do not make the page.
        ids = list(alerts.order_by("-rank", "-created_at", "-id").values_list("id", flat=True)[:limit])
        found = Alert.objects.select_related("target_type").in_bulk(ids) if ids else {}
        rows = [found[pk] for pk in ids if pk in found]
        load_targets(rows)
        links: dict = {}
        return [alert_item(alert, links) for alert in rows]

    def counts(self, user, *, area_path=None):
        return self._filtered(user, area_path=area_path).by_kind()

    def badge(self, user):
        return self.queryset(user).filter(acknowledged_at__isnull=True).count()


def load_targets(alerts) -> None:
    """Read the records the alerts point to, one query per kind of record (not one per alert);
    a record that is gone stays None ("record removed")."""
    wanted: dict = {}
    for alert in alerts:
        if alert.target_type_id is not None and alert.target_id and "_target" not in alert.__dict__:
            wanted.setdefault(alert.target_type, []).append(alert)
    for content_type, group in wanted.items():
        model = content_type.model_class()
        found = {}
        if model is not None:
            ids = set()
            for alert in group:
                try:
                    ids.add(model._meta.pk.to_python(alert.target_id))
                except Exception:  # noqa: BLE001  (an id that no longer fits the model: removed)
                    pass
            found = {str(pk): obj for pk, obj in model._default_manager.in_bulk(list(ids)).items()}
        for alert in group:
            alert.__dict__["_target"] = found.get(alert.target_id)


def _static_link(kind) -> bool:
    """The kind opens one page (a URL name), the same for all its alerts."""
    return bool(kind and kind.link and "." not in kind.link.partition(":")[0])


def alert_item(alert: Alert, links: dict | None = None) -> WorkItem:
    """The alert as a work item. ``links`` caches, for one page, the URL and label of each kind
    whose link is one page (reversed once, not once per alert)."""
    from .registry import alert_kinds

    removed = alert.target_removed
    kind = alert_kinds().get(alert.kind)
    cache = links if links is not None and _static_link(kind) else None
    if cache is not None and alert.kind in cache:
        url, label = cache[alert.kind]
    else:
        try:
            url = "" if removed and not _static_link(kind) else alert.target_url()
        except Exception:  # noqa: BLE001  (a broken link must not break the inbox)
            url = ""
        label = alert.kind_label()
        if cache is not None:
            cache[alert.kind] = (url, label)
    if removed:
        url = ""
    return WorkItem(
        source="alert", ref=alert.pk, kind=alert.kind, label=label, text=alert.text(),
        severity=alert.severity, area_path=alert.area_path, created_at=alert.created_at, url=url, due=alert.due,
        removed=removed, acknowledged=alert.acknowledged_at is not None,
        actions=("resolve",) if alert.acknowledged_at else ("ack", "resolve"),
    )


ALERTS = AlertSource()


@cache
def sources() -> list[WorkSource]:
    """Every app's work sources, in app order."""
    from .registry import frontline_apps, resolve

    found = []
    for config in frontline_apps():
        for reference in config.work_sources:
            source = resolve(reference)
            if not isinstance(source, WorkSource):
                source = FunctionSource(source, code=re.sub(r"[^a-z_]", "_", reference.rpartition(":")[2].lower()))
            found.append(source)
    return found


def kinds() -> dict[str, str]:
    merged = {}
    for source in sources():
        merged.update(source.kinds())
    return merged


def page(user, *, kinds=None, area_path=None, cursor=None, limit=50) -> tuple[list[WorkItem], str | None]:
    """One page of the user's work, most urgent and newest first; and the next page's cursor."""
    before = parse_cursor(cursor) if isinstance(cursor, str) else cursor
    merged = []
    for source in sources():
        merged += source.items(user, kinds=kinds, area_path=area_path, before=before, limit=limit + 1)
    merged.sort(key=lambda item: item.sort_key, reverse=True)
    more = len(merged) > limit
    merged = merged[:limit]
    return merged, (merged[-1].cursor if more and merged else None)


def counts(user, *, area_path=None) -> dict[str, int]:
    total: Counter = Counter()
    for source in sources():
        total.update(source.counts(user, area_path=area_path))
    return dict(total)


def badge_count(user) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return sum(source.badge(user) for source in sources())


__all__ = ["ALERTS", "AlertSource", "FunctionSource", "WorkItem", "WorkSource", "alert_item", "badge_count", "counts",
           "kinds", "load_targets", "page", "parse_cursor", "sources"]
