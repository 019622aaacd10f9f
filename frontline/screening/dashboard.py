"""What the screening app puts on the dashboard: the rounds in progress. Its alerts (positive
pools, conflicting results) are in the one inbox, which the dashboard shows through "my work"'s
panel (the same items as /me/work/), so they are not listed twice."""

from .models import Round


def panels(user) -> list[dict]:
    rounds = list(Round.objects.restrict(user).open()[:5])
    if not rounds:
        return []
    return [{"template": "screening/_dashboard.html", "order": 10, "rounds": rounds}]
