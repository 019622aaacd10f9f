"""What the screening app puts on the dashboard: its open alerts from the core inbox (positive
pools, conflicting results) for whoever looks after the area, and the rounds in progress."""

from frontline.core.models import Alert

from .models import Bag, Round, Tube


def lab_panel(user) -> list[dict]:
    """A lab account's own work: bags on their way to its labs, bags received, tubes received
    and still without a result."""
    if user.is_superuser or not user.has_action("lab"):
        return []
    bags = Bag.objects.filter(lab__members=user)
    return [{
        "template": "screening/_lab_dashboard.html", "order": 5,
        "bags_coming": bags.filter(status=Bag.Status.SENT).count(),
        "bags_received": bags.filter(status=Bag.Status.RECEIVED).count(),
        "tubes_waiting": Tube.objects.filter(bag__lab__members=user, bag__status=Bag.Status.RECEIVED, result="").count(),
    }]


def panels(user) -> list[dict]:
    found = lab_panel(user)
    alerts = list(Alert.objects.restrict(user).of_kinds("screening.").unacknowledged().select_related("target_type")[:20])
    rounds = list(Round.objects.restrict(user).open()[:5])
    if alerts or rounds:
        found.append({"template": "screening/_dashboard.html", "order": 10, "alerts": alerts, "rounds": rounds})
    return found
