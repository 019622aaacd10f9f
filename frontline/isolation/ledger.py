"""The isolation ledger: open cases in the user's areas, sorted by urgency, with today's check-in.

Urgency: a fever or positive antigen in the last 24 hours first, then the cases with no check-in
today, then by planned end (the soonest release first). The order reads the case table alone
(its scoped range of the copied area path, and the two moments ``record_checkin`` keeps on each
case: the last check-in and the last alarming one), then only the page is joined.
"""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from .alerts import day_start, deadline
from .models import CheckIn, IsolationCase

LEDGER_FIELDS = (
    "id", "kind", "reason", "status", "start", "planned_end", "source_text", "site", "area_path", "policy_notes",
    "released_at", "release_reason", "release_override", "last_checkin_at", "last_alarm_at", "resident__name", "resident__household__room",
    "resident__household__area__name", "resident__household__area__path", "resident__household__area__kind",
    "resident__household__area__parent__name", "site__name",  # the household's label names its building
)


def ledger_queryset(user, now=None, path=None):
    now = now or timezone.now()
    cases = IsolationCase.objects.restrict(user).open()
    if path:
        cases = cases.within(path)
    checked = Q(last_checkin_at__gte=day_start(now))
    fever = Q(last_alarm_at__gte=now - datetime.timedelta(hours=24))
    return (
        # CASE, not the bare comparison: a case never checked in has NULL, which must read False.
        cases.annotate(checked_today=Case(When(checked, then=Value(True)), default=Value(False), output_field=BooleanField()),
                       fever=Case(When(fever, then=Value(True)), default=Value(False), output_field=BooleanField()))
        .annotate(urgency=Case(When(fever, then=Value(0)), When(checked, then=Value(2)),
                               default=Value(1), output_field=IntegerField()))
        .order_by("urgency", "planned_end", "id")
    )


def ledger_page(user, now=None, limit=200, path=None) -> list[IsolationCase]:
    """The first ``limit`` cases of the ledger, with ``checked_today`` and ``fever`` set.

    Two statements: the order is decided on the case table alone (its scoped range and the
    check-in probes), then only that page is joined to residents, households and areas, reading
    only what the ledger shows (a resident's encrypted ID number and phone are not decrypted).
    Joining every case of a street before the sort cost more than the sort itself."""
    now = now or timezone.now()
    order = list(ledger_queryset(user, now, path).values_list("pk", "checked_today", "fever")[:limit])
    rows = (IsolationCase.objects.filter(pk__in=[pk for pk, _c, _f in order])
            .select_related("resident__household__area__parent", "site").only(*LEDGER_FIELDS).in_bulk())
    page = []
    for pk, checked, fever in order:
        case = rows.get(pk)
        if case is not None:
            case.checked_today, case.fever = checked, fever
            page.append(case)
    return page


def indicators(user, now=None) -> dict:
    """The WHO's contact follow-up indicators for the user's areas: the share of people in
    isolation checked in today, and the share followed up on every completed day of their period
    so far (a check-in on each local day from the start to yesterday)."""
    now = now or timezone.now()
    cases = IsolationCase.objects.restrict(user).open()
    total = cases.count()
    start_of_today = day_start(now)
    checked = cases.filter(last_checkin_at__gte=start_of_today).count()
    today = timezone.localtime(now).date()
    starts = dict(cases.values_list("pk", "start"))
    per_case = dict(
        CheckIn.objects.filter(case__in=cases, at__lt=start_of_today)
        .annotate(day=TruncDate("at", tzinfo=timezone.get_current_timezone()))
        .order_by().values("case").annotate(days=Count("day", distinct=True)).values_list("case", "days")
    )
    every_day = sum(1 for pk, start in starts.items()
                    if per_case.get(pk, 0) >= (today - timezone.localtime(start).date()).days)
    return {"total": total, "checked": checked, "missing": total - checked,
            "share": round(100 * checked / total) if total else None,
            "every_day": every_day, "every_day_share": round(100 * every_day / total) if total else None,
            "deadline": deadline(now), "past_deadline": now >= deadline(now)}
