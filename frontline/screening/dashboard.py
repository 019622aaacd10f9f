"""What the screening app puts on the dashboard: its open alerts from the core inbox (positive
pools, conflicting results) for whoever looks after the area, and the rounds in progress."""

from frontline.core.models import Alert

from .models import Round


def panels(user) -> list[dict]:
    alerts = list(Alert.objects.restrict(user).of_kinds("screening.").unacknowledged().select_related("target_type")[:20])
    rounds = list(Round.objects.restrict(user).open()[:5])
    if not alerts and not rounds:
        return []
    return [{"template": "screening/_dashboard.html", "order": 10, "alerts": alerts, "rounds": rounds}]
