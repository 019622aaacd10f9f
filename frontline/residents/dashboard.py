"""What the residents ledger puts on the dashboard: a search box, households and residents by
status, special groups, and the user's areas with their counts."""

from frontline.areas.stats import dashboard_context


def panels(user) -> list[dict]:
    if not user.has_action("view") and user.role_assignments.exists():
        # A role without the ledger (a lab account) sees its own panels, not resident counters
        # it may not open; an account with no role yet keeps the hint that says so.
        return []
    return [{"template": "residents/_dashboard.html", **dashboard_context(user)}]
