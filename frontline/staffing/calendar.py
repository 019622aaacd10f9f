"""A member's published shifts as an iCalendar feed (RFC 5545, the icalendar library), read by
a phone's calendar from a secret, revocable URL. Times are in UTC; the summary names the post."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Shift


def feed(member, request=None) -> bytes:
    cal = Calendar.new(name=_("Frontline duty: %(name)s") % {"name": member.name},
                       prodid="-//Frontline//staffing//ZH")
    since = timezone.now() - datetime.timedelta(days=30)
    host = request.get_host() if request is not None else "frontline"
    for shift in (Shift.objects.filter(member=member).published().filter(ends_at__gt=since)
                  .select_related("post__area", "roster")):
        cal.add_component(Event.new(
            uid=f"shift-{shift.pk}@{host}",
            summary=_("Duty: %(post)s") % {"post": shift.post.name},
            start=shift.starts_at.astimezone(datetime.UTC),
            end=shift.ends_at.astimezone(datetime.UTC),
            location=shift.post.area.name,
            stamp=(shift.roster.published_at or timezone.now()).astimezone(datetime.UTC),
        ))
    return cal.to_ical()
