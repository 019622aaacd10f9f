"""What the screening app puts on the dashboard: the rounds in progress. Its alerts (positive
pools, conflicting results) are in the one inbox, which the dashboard shows through "my work"'s
panel (the same items as /me/work/), so they are not listed twice."""

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
    rounds = list(Round.objects.restrict(user).open()[:5])
    if rounds:
        found.append({"template": "screening/_dashboard.html", "order": 10, "rounds": rounds})
    return found
