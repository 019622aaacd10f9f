"""What the residents ledger puts on the dashboard: a search box, households and residents by
status, special groups, and the user's areas with their counts."""

from frontline.areas.stats import dashboard_context


def panels(user) -> list[dict]:
    return [{"template": "residents/_dashboard.html", **dashboard_context(user)}]
