"""Raise today's missed check-in alerts (a scheduled job runs this after the deadline hour)."""

from django.core.management.base import BaseCommand

from frontline.core.access import system_actor
from frontline.isolation.alerts import raise_missed_checkins


class Command(BaseCommand):
    help = "Raise isolation.missed_checkin for open cases with no check-in today (after ISOLATION_CHECKIN_DEADLINE_HOUR)."

    def handle(self, *args, **options):
        alerts = raise_missed_checkins(actor=system_actor("isolation.missed_checkins"))
        self.stdout.write(f"{len(alerts)} open missed check-in alert(s)")
