"""The isolation ledger: open cases in the user's areas, sorted by urgency, with today's check-in.

Urgency: a fever or positive antigen in the last 24 hours first, then the cases with no check-in
today, then by planned end (the soonest release first). One query: two EXISTS probes on the
check-in index (case, at) per case, on a scoped range of the copied area path.
"""

import datetime

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone

from frontline.core.vitals import FEVER

from .alerts import day_start, deadline
from .models import CheckIn, IsolationCase


def ledger_queryset(user, now=None, path=None):
    now = now or timezone.now()
    cases = IsolationCase.objects.restrict(user).open()
    if path:
        cases = cases.within(path)
    today = CheckIn.objects.filter(case=OuterRef("pk"), at__gte=day_start(now))
    alarming = CheckIn.objects.filter(case=OuterRef("pk"), at__gte=now - datetime.timedelta(hours=24)).filter(
        Q(temperature__gte=FEVER) | Q(antigen=CheckIn.Antigen.POSITIVE))
    return (
        cases.annotate(checked_today=Exists(today), fever=Exists(alarming))
        .annotate(urgency=Case(When(fever=True, then=Value(0)), When(checked_today=False, then=Value(1)),
                               default=Value(2), output_field=IntegerField()))
        .select_related("resident__household__area", "site")
        .order_by("urgency", "planned_end", "id")
    )


def indicators(user, now=None) -> dict:
    """Share of people in isolation checked in today (the WHO's contact follow-up indicator)."""
    now = now or timezone.now()
    cases = IsolationCase.objects.restrict(user).open()
    total = cases.count()
    checked = cases.filter(Exists(CheckIn.objects.filter(case=OuterRef("pk"), at__gte=day_start(now)))).count()
    return {"total": total, "checked": checked, "missing": total - checked,
            "share": round(100 * checked / total) if total else None, "deadline": deadline(now),
            "past_deadline": now >= deadline(now)}
