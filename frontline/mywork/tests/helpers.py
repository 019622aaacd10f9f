import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_noop

from frontline.core.access import system_actor
from frontline.core.alerts import raise_alert
from frontline.core.models import Alert

CONFLICT = gettext_noop("Conflicting lab results for tube %(code)s: review them.")
JOB = system_actor("job:test")


def alert(where, key, kind="screening.result_conflict", minutes_ago=0, **kw):
    raised = raise_alert(kind, key=key, area_path=where, message=CONFLICT, params={"code": key}, actor=JOB, **kw)
    if minutes_ago:
        Alert.objects.filter(pk=raised.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
        raised.refresh_from_db()
    return raised


def fresh(user):
    """The user as the next request loads it (roles read again)."""
    return get_user_model().objects.get(pk=user.pk)
