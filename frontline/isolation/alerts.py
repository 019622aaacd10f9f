"""Isolation's alerts in the one inbox (core.alerts):

- ``isolation.missed_checkin``: an open case with no check-in today by the set hour
  (``ISOLATION_CHECKIN_DEADLINE_HOUR``, 10 by default). ``raise_missed_checkins`` is what a
  scheduled job calls (also ``manage.py isolation_missed_checkins``); it is idempotent (one alert
  per case and day, by its key) and a check-in resolves the day's alert.
- ``isolation.fever``: a check-in with 37.3 °C or more, or a positive antigen: urgent, one per
  case and day.

Messages carry no name: the inbox links to the case page, which masks it.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_noop

from frontline.core.alerts import raise_alert, resolve_alerts

MISSED, FEVER = "isolation.missed_checkin", "isolation.fever"


def _day(at) -> str:
    return timezone.localtime(at).date().isoformat()


def missed_key(case_id, day: str) -> str:
    return f"{MISSED}:case:{case_id}:{day}"


def fever_key(case_id, day: str) -> str:
    return f"{FEVER}:case:{case_id}:{day}"


def day_start(at) -> datetime.datetime:
    local = timezone.localtime(at)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def deadline(at) -> datetime.datetime:
    return day_start(at).replace(hour=int(getattr(settings, "ISOLATION_CHECKIN_DEADLINE_HOUR", 10)))


def after_checkin(checkin, *, actor):
    """Called by ``services.record_checkin`` inside its transaction."""
    case = checkin.case
    day = _day(checkin.at)
    resolve_alerts(key=missed_key(case.pk, day), actor=actor, reason="checked in")
    if checkin.is_alarming:
        what = []
        if checkin.temperature is not None and checkin.is_alarming and checkin.antigen != "positive":
            what.append(f"{checkin.temperature} °C")
        if checkin.antigen == "positive":
            what.append("antigen +")
        raise_alert(FEVER, key=fever_key(case.pk, day), area_path=case.area_path, target=case, actor=actor,
                    message=gettext_noop("Isolation case #%(case)s: fever or positive antigen reported (%(what)s)."),
                    params={"case": case.pk, "what": ", ".join(what) or "?"})


def raise_missed_checkins(*, actor, at=None) -> list:
    """Raise ``isolation.missed_checkin`` for every open case with no check-in today, once the
    day's deadline hour has passed (before it: nothing). Returns the alerts (new or open)."""
    from .models import CheckIn, IsolationCase

    at = at or timezone.now()
    cutoff = deadline(at)
    if at < cutoff:
        return []
    start = day_start(at)
    today = CheckIn.objects.filter(case=OuterRef("pk"), at__gte=start)
    cases = (IsolationCase.objects.open().filter(start__lt=cutoff).annotate(checked=Exists(today)).filter(checked=False)
             .only("pk", "area_path"))
    day = _day(at)
    return [
        raise_alert(MISSED, key=missed_key(case.pk, day), area_path=case.area_path, target=case, actor=actor, due=cutoff,
                    message=gettext_noop("Isolation case #%(case)s: no check-in today by %(hour)s."),
                    params={"case": case.pk, "hour": timezone.localtime(cutoff).strftime("%H:%M")})
        for case in cases.iterator()
    ]


def resolve_case_alerts(case, *, actor, reason=""):
    day = _day(timezone.now())
    resolve_alerts(key=missed_key(case.pk, day), actor=actor, reason=reason)
    resolve_alerts(key=fever_key(case.pk, day), actor=actor, reason=reason)
