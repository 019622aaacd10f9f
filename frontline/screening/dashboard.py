"""What the screening app puts on the dashboard: open alerts (positive pools, conflicting results)
for whoever looks after the area, and the rounds in progress."""

from .models import Alert, Round


def panels(user) -> list[dict]:
    alerts = list(Alert.objects.restrict(user).filter(acknowledged_at__isnull=True).select_related("tube", "area")[:20])
    rounds = list(Round.objects.restrict(user).open()[:5])
    if not alerts and not rounds:
        return []
    return [{"template": "screening/_dashboard.html", "order": 10, "alerts": alerts, "rounds": rounds}]
