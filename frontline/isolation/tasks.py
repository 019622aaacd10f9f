"""Isolation's scheduled work (the worker loads every app's ``tasks.py``)."""

from frontline.core.queue import frontline_task


@frontline_task("isolation.missed_checkins", retries=2, retry_delay=60)
def missed_checkins(*, actor, job):
    """Alert on open cases with no check-in today, once the day's deadline hour has passed (once
    per case and day: the alerts are deduplicated, so every firing after the deadline is safe)."""
    from .alerts import raise_missed_checkins

    return {"alerts": len(raise_missed_checkins(actor=actor))}
